import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { decodePng, encodePng } from './png';
import { pixelHash } from './pixel-hash';
import { findChunk, insertChunk, noiseImage } from './test-images.helper';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('pixelHash', () => {
  describe('byte layout (the one docs/protocol.md gives worker authors)', () => {
    it('hashes the ASCII header then 8-bit samples row-major', async () => {
      const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const png = await encodePng({ data, width: 2, height: 2, channels: 3 }, 8);
      const expected = sha256(Buffer.concat([Buffer.from('tessera-pixels/1 2 2 3 8\n', 'ascii'), Buffer.from(data)]));
      expect(await pixelHash(png)).toBe(expected);
    });

    it('hashes 16-bit samples big-endian, whatever the machine order', async () => {
      const data = new Uint16Array([0x0102, 0x0304, 0x0506, 0xa0b0, 0xc0d0, 0xe0f0, 0x1122, 0x3344]);
      const png = await encodePng({ data, width: 1, height: 2, channels: 4 }, 16);
      const body = Buffer.from([1, 2, 3, 4, 5, 6, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0x11, 0x22, 0x33, 0x44]);
      const expected = sha256(Buffer.concat([Buffer.from('tessera-pixels/1 1 2 4 16\n', 'ascii'), body]));
      expect(await pixelHash(png)).toBe(expected);
    });

    it('swaps 16-bit samples correctly across its internal chunk boundary', async () => {
      // 1 MiB chunks: 700x400x4 samples x 2 bytes spans three of them, the last one partial.
      const image = noiseImage(700, 400, 4, 16, 11);
      const decoded = await decodePng(await encodePng(image, 16, { compressionLevel: 1 }));
      const body = Buffer.alloc(image.data.length * 2);
      (image.data as Uint16Array).forEach((v, i) => body.writeUInt16BE(v, i * 2));
      const expected = sha256(Buffer.concat([Buffer.from('tessera-pixels/1 700 400 4 16\n'), body]));
      expect(await pixelHash(decoded)).toBe(expected);
    });
  });

  describe('stability', () => {
    const image = noiseImage(48, 32, 4, 16, 21);
    let reference: string;
    beforeAll(async () => {
      reference = await pixelHash(await encodePng(image, 16));
    });

    it('is the same for the PNG and its decoded pixels', async () => {
      const png = await encodePng(image, 16);
      expect(await pixelHash(await decodePng(png))).toBe(reference);
    });

    it.each([0, 1, 9])('ignores compression level %i', async (compressionLevel) => {
      const png = await encodePng(image, 16, { compressionLevel });
      expect(await pixelHash(png)).toBe(reference);
    });

    it('ignores filtering and encoder choices', async () => {
      const samples = image.data as Uint16Array;
      const png = await sharp(samples, { raw: { width: 48, height: 32, channels: 4 } })
        .toColourspace('rgb16')
        .png({ compressionLevel: 9, adaptiveFiltering: true, effort: 10 })
        .toBuffer();
      expect(await pixelHash(png)).toBe(reference);
    });

    it('ignores metadata: text, time, gamma and an ICC profile', async () => {
      let png = await encodePng(image, 16);
      png = insertChunk(png, 'tEXt', Buffer.from('Software\0Blender 3.4.1 render time 00:02.21'));
      png = insertChunk(png, 'tIME', Buffer.from([0x07, 0xe9, 1, 2, 3, 4, 5]));
      png = insertChunk(png, 'gAMA', Buffer.from([0, 0, 0xb1, 0x8f]));
      png = insertChunk(png, 'pHYs', Buffer.from([0, 0, 0x2e, 0x23, 0, 0, 0x2e, 0x23, 1]));
      png = insertChunk(png, 'iCCP', await displayP3Profile());
      expect((await sharp(png).metadata()).hasProfile).toBe(true);
      expect(await pixelHash(png)).toBe(reference);
    });

    it('changes when one sample of one pixel changes by one', async () => {
      const changed = new Uint16Array(image.data as Uint16Array);
      changed[5 * 48 * 4 + 17 * 4 + 2] ^= 1;
      expect(await pixelHash(await encodePng({ ...image, data: changed }, 16))).not.toBe(reference);
    });

    it('changes with the shape even when the samples are the same', async () => {
      const reshaped = await encodePng({ ...image, width: 32, height: 48 }, 16);
      expect(await pixelHash(reshaped)).not.toBe(reference);
    });
  });
});

/** A real iCCP chunk (Display P3), taken from a PNG sharp writes with that profile. */
async function displayP3Profile(): Promise<Buffer> {
  const png = await sharp(Buffer.from([1, 2, 3]), { raw: { width: 1, height: 1, channels: 3 } })
    .withIccProfile('p3')
    .png()
    .toBuffer();
  return Buffer.from(findChunk(png, 'iCCP')!);
}

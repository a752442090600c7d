import sharp from 'sharp';
import { ImageDecodeError, ImageEncodeError } from './errors';
import { decodePng, encodePng, samplesOf } from './png';
import { bytesOf, ihdrOf, noiseImage, insertChunk, findChunk } from './test-images.helper';

describe('encodePng / decodePng', () => {
  describe.each([
    [3, 8],
    [4, 8],
    [3, 16],
    [4, 16],
  ] as const)('%i channels, %i-bit', (channels, bitDepth) => {
    it('round-trips every sample exactly', async () => {
      const image = noiseImage(37, 23, channels, bitDepth, 7);
      const png = await encodePng(image, bitDepth);
      const decoded = await decodePng(png);
      expect(decoded).toMatchObject({ width: 37, height: 23, channels, bitDepth });
      expect(decoded.data.equals(bytesOf(image))).toBe(true);
      expect(Array.from(samplesOf(decoded))).toEqual(Array.from(image.data));
    });

    it('writes a PNG of exactly that bit depth and colour type', async () => {
      const png = await encodePng(noiseImage(4, 4, channels, bitDepth), bitDepth);
      expect(ihdrOf(png)).toEqual({ bitDepth, colourType: channels === 4 ? 6 : 2 });
    });
  });

  it('keeps 16-bit samples whose low byte is all that differs', async () => {
    const data = new Uint16Array([0x1200, 0x1201, 0x12ff, 0xff00, 0x00ff, 0xffff]);
    const decoded = await decodePng(await encodePng({ data, width: 2, height: 1, channels: 3 }, 16));
    expect(Array.from(samplesOf(decoded))).toEqual(Array.from(data));
  });

  it('re-encodes a decoded 16-bit image from its bytes, even at an odd byte offset', async () => {
    const image = noiseImage(9, 5, 4, 16, 3);
    const decoded = await decodePng(await encodePng(image, 16));
    const shifted = Buffer.alloc(decoded.data.length + 1);
    decoded.data.copy(shifted, 1);
    for (const data of [decoded.data, shifted.subarray(1)]) {
      const again = await decodePng(await encodePng({ ...decoded, data }, 16));
      expect(again.data.equals(decoded.data)).toBe(true);
    }
  });

  it('expands greyscale PNGs to RGB', async () => {
    const grey = await sharp(Buffer.from([0, 100, 200, 255]), { raw: { width: 2, height: 2, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect(ihdrOf(grey).colourType).toBe(0);
    const decoded = await decodePng(grey);
    expect(decoded.channels).toBe(3);
    expect(Array.from(decoded.data)).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
  });

  it('returns the stored samples of a PNG with an ICC profile, without colour management', async () => {
    const image = noiseImage(8, 8, 3, 8, 5);
    const withProfile = await sharp(Buffer.from([1, 2, 3]), { raw: { width: 1, height: 1, channels: 3 } })
      .withIccProfile('p3')
      .png()
      .toBuffer();
    const iccp = findChunk(withProfile, 'iCCP');
    expect(iccp).toBeDefined();
    const png = insertChunk(await encodePng(image, 8), 'iCCP', iccp!);
    expect((await sharp(png).metadata()).hasProfile).toBe(true);
    expect((await decodePng(png)).data.equals(bytesOf(image))).toBe(true);
  });

  describe('rejects', () => {
    let png: Buffer;
    beforeAll(async () => {
      png = await encodePng(noiseImage(64, 64, 3, 8), 8);
    });

    it.each([
      ['empty data', () => Buffer.alloc(0), /not a PNG: the data is empty/],
      ['text', () => Buffer.from('hello world'), /does not start with the PNG signature \(starts with 68 65 6c/],
      ['a JPEG', () => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), /starts with ff d8 ff e0/],
      ['a truncated file', () => png.subarray(0, png.length - 100), /truncated PNG: chunk IDAT at byte \d+ needs \d+ data bytes/],
      ['a file cut after a chunk', () => png.subarray(0, 33), /truncated PNG: it ends at byte 33 with no IEND chunk/],
      ['a flipped bit', () => flip(png, png.length - 30), /corrupt PNG: chunk IDAT at byte \d+ fails its CRC check/],
    ])('%s with a message saying what is wrong', async (_, bytes, message) => {
      const error = await decodePng(bytes()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageDecodeError);
      expect((error as Error).message).toMatch(message);
      expect((error as ImageDecodeError).code).toBe('image_decode');
    });

    it('compressed data that does not inflate, even with valid CRCs', async () => {
      const idat = findChunk(png, 'IDAT')!;
      const garbage = Buffer.alloc(idat.length, 0x55);
      const broken = replaceChunkData(png, 'IDAT', garbage);
      await expect(decodePng(broken)).rejects.toThrow(ImageDecodeError);
      await expect(decodePng(broken)).rejects.toThrow(/^corrupt PNG: /);
    });

    it('a value that is not a Buffer', async () => {
      await expect(decodePng('x.png' as unknown as Buffer)).rejects.toThrow('not a PNG: expected a Buffer, got String');
    });
  });
});

describe('encodePng input checks', () => {
  it.each([
    ['too few samples', { data: new Uint8Array(11), width: 2, height: 2, channels: 3 }, 8, 'a 2x2 RGB 8-bit PNG needs 12 samples, got 11'],
    ['16-bit samples for 8 bits', { data: new Uint16Array(12), width: 2, height: 2, channels: 3 }, 8, 'a 2x2 RGB 8-bit PNG needs a Uint8Array, got Uint16Array'],
    ['too few 16-bit samples', { data: new Uint16Array(15), width: 2, height: 2, channels: 4 }, 16, 'a 2x2 RGBA 16-bit PNG needs 16 samples, got 15'],
    ['8-bit samples for 16 bits', { data: new Uint8Array(16), width: 2, height: 2, channels: 4 }, 16, 'needs 16 samples (32 bytes), got 16 bytes'],
    ['two channels', { data: new Uint8Array(4), width: 2, height: 1, channels: 2 }, 8, 'cannot encode 2 channels'],
    ['zero width', { data: new Uint8Array(0), width: 0, height: 1, channels: 3 }, 8, 'cannot encode a 0x1 image'],
  ])('rejects %s', async (_, image, bitDepth, message) => {
    const attempt = encodePng(image as never, bitDepth as 8 | 16);
    await expect(attempt).rejects.toThrow(ImageEncodeError);
    await expect(encodePng(image as never, bitDepth as 8 | 16)).rejects.toThrow(message);
  });
});

function flip(png: Buffer, offset: number): Buffer {
  const copy = Buffer.from(png);
  copy[offset] ^= 0x01;
  return copy;
}

/** Replaces a chunk's data with data of the same length, CRC recomputed: structurally valid, semantically not. */
function replaceChunkData(png: Buffer, type: string, data: Buffer): Buffer {
  const copy = Buffer.from(png);
  const original = findChunk(copy, type)!;
  data.copy(original);
  const start = original.byteOffset - copy.byteOffset - 4;
  const { crc32 } = require('node:zlib') as typeof import('node:zlib');
  copy.writeUInt32BE(crc32(copy.subarray(start, start + 4 + data.length)), start + 4 + data.length);
  return copy;
}

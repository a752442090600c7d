import { deflateSync } from 'node:zlib';
import { adler32, encodeScanlines, scanlineBytes } from './png-parallel';
import { decodePng } from './png';

/** Scanlines with filter byte 0 and pseudo-random samples (big-endian when 16-bit). */
function scanlines(width: number, height: number, channels: 3 | 4, bitDepth: 8 | 16, seed = 1): Buffer {
  const rowBytes = scanlineBytes(width, channels, bitDepth);
  const data = Buffer.alloc(rowBytes * height);
  let state = seed;
  for (let row = 0; row < height; row++) {
    for (let i = 1; i < rowBytes; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      // Runs of equal bytes as well as noise, so deflate has something to find.
      data[row * rowBytes + i] = i % 7 < 3 ? row & 0xff : state >>> 24;
    }
  }
  return data;
}

/** The samples decodePng returns (16-bit in machine order), from big-endian scanlines. */
function samplesOf(lines: Buffer, width: number, height: number, channels: 3 | 4, bitDepth: 8 | 16): Buffer {
  const rowBytes = scanlineBytes(width, channels, bitDepth);
  const out = Buffer.concat(Array.from({ length: height }, (_, row) => lines.subarray(row * rowBytes + 1, (row + 1) * rowBytes)));
  return bitDepth === 16 ? out.swap16() : out;
}

describe(encodeScanlines.name, () => {
  it.each([
    [3, 8, 7, 5],
    [4, 8, 640, 360],
    [3, 16, 300, 200],
    [4, 16, 2000, 1200],
  ] as const)('%i channels, %i-bit, %ix%i: decodes to exactly the samples given', async (channels, bitDepth, width, height) => {
    const lines = scanlines(width, height, channels, bitDepth);
    const png = await encodeScanlines({ scanlines: lines, width, height, channels, bitDepth });
    const decoded = await decodePng(png);
    expect(decoded).toMatchObject({ width, height, channels, bitDepth });
    expect(decoded.data.equals(samplesOf(lines, width, height, channels, bitDepth))).toBe(true);
  });

  it('a frame larger than one piece is split and joined into one valid stream, about as small as one stream', async () => {
    const [width, height] = [3000, 1000];
    const lines = scanlines(width, height, 3, 8, 7);
    const png = await encodeScanlines({ scanlines: lines, width, height, channels: 3, bitDepth: 8 });
    expect((await decodePng(png)).data.equals(samplesOf(lines, width, height, 3, 8))).toBe(true);
    expect(png.length).toBeLessThan(deflateSync(lines).length * 1.01 + 1024);
  });

  it('refuses scanlines of the wrong length', async () => {
    await expect(encodeScanlines({ scanlines: Buffer.alloc(10), width: 2, height: 2, channels: 3, bitDepth: 8 })).rejects.toThrow(RangeError);
  });
});

describe(adler32.name, () => {
  /** RFC 1950 as written: both sums reduced after every byte. */
  const plain = (data: Uint8Array) => {
    let [a, b] = [1, 0];
    for (const byte of data) [a, b] = [(a + byte) % 65521, (b + (a + byte) % 65521) % 65521];
    return ((b << 16) | a) >>> 0;
  };

  it('is the RFC 1950 checksum, also across its reduction interval with the largest bytes', () => {
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398);
    for (const length of [0, 1, 5551, 5552, 5553, 100_000]) {
      const data = Buffer.alloc(length, 0xff);
      expect({ length, sum: adler32(data) }).toEqual({ length, sum: plain(data) });
    }
  });
});

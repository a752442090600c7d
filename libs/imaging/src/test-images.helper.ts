// Builders shared by this library's specs. Not exported from index.ts.
import type { Region } from '@tessera/contracts';
import { crc32 } from 'node:zlib';
import type { Channels, RawImage } from './png';

/**
 * Deterministic noise that uses the whole sample range, so a 16-bit image has different high and low
 * bytes (a truncation to 8 bits or a byte swap cannot go unnoticed).
 */
export function noiseImage(width: number, height: number, channels: Channels, bitDepth: 8 | 16, seed = 1): RawImage {
  const count = width * height * channels;
  const data = bitDepth === 16 ? new Uint16Array(count) : new Uint8Array(count);
  const mask = bitDepth === 16 ? 0xffff : 0xff;
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    // xorshift32: fast, reproducible, no dependency.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = (state >>> 0) & mask;
  }
  return { data, width, height, channels };
}

/** The samples of `region` of an image, as a new image. */
export function crop(image: RawImage, region: Region): RawImage {
  const { channels } = image;
  const Type = image.data instanceof Uint16Array ? Uint16Array : Uint8Array;
  const data = new Type(region.width * region.height * channels);
  for (let row = 0; row < region.height; row++) {
    const start = ((region.y + row) * image.width + region.x) * channels;
    data.set(image.data.subarray(start, start + region.width * channels), row * region.width * channels);
  }
  return { data, width: region.width, height: region.height, channels };
}

/** The image's samples as the bytes DecodedImage.data holds (machine byte order). */
export function bytesOf(image: RawImage): Buffer {
  return Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
}

/** Inserts a chunk right after IHDR: metadata that must never change what the pixels are. */
export function insertChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** The data of the first chunk of a type, or undefined. */
export function findChunk(png: Buffer, type: string): Buffer | undefined {
  for (let offset = 8; offset + 8 <= png.length; ) {
    const length = png.readUInt32BE(offset);
    if (png.toString('latin1', offset + 4, offset + 8) === type) return png.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
  }
  return undefined;
}

/** IHDR's bit depth and colour type, read straight from the file. */
export function ihdrOf(png: Buffer): { bitDepth: number; colourType: number } {
  return { bitDepth: png[24], colourType: png[25] };
}

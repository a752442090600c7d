import type { BitDepth } from '@tessera/contracts';
import sharp from 'sharp';
import { ImageDecodeError, ImageEncodeError } from './errors';
import { decodedDepth, readPngHeader } from './png-structure';

export type Channels = 3 | 4;

/** Pixels to encode: interleaved samples (RGB or RGBA), row-major from the top-left. */
export interface RawImage {
  /**
   * 8-bit: one byte per sample. 16-bit: a Uint16Array, or bytes holding 16-bit samples in this
   * machine's byte order (what decodePng returns), two per sample.
   */
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: Channels;
}

/**
 * Decoded pixels: interleaved RGB or RGBA samples, row-major from the top-left. For 16-bit images
 * `data` holds each sample as two bytes in this machine's byte order (what libvips produces); use
 * `samplesOf` to read them as numbers. Greyscale and palette PNGs are expanded to RGB(A).
 */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: Channels;
  bitDepth: BitDepth;
}

export interface EncodeOptions {
  /** zlib level 0-9 (default 6). Lower is faster and larger; the pixels are the same. */
  compressionLevel?: number;
}

/** Encodes pixels as an RGB(A) PNG of exactly `bitDepth` bits per sample, without colour management. */
export async function encodePng(image: RawImage, bitDepth: BitDepth, options: EncodeOptions = {}): Promise<Buffer> {
  const { width, height, channels } = image;
  const samples = rawSamples(image, bitDepth);
  let pipeline = sharp(samples, { raw: { width, height, channels } });
  // libvips keeps 16-bit samples only when the output colourspace is the 16-bit one.
  if (bitDepth === 16) pipeline = pipeline.toColourspace('rgb16');
  return pipeline.png({ compressionLevel: options.compressionLevel ?? 6, adaptiveFiltering: false }).toBuffer();
}

/**
 * Decodes a PNG to RGB or RGBA samples as stored: 16-bit stays 16-bit, anything below 8 bits becomes
 * 8-bit, and an embedded ICC profile or gamma is NOT applied, so the samples are exactly the ones the
 * renderer wrote. Throws ImageDecodeError saying what is wrong with bytes that are not such a PNG.
 */
export async function decodePng(png: Buffer): Promise<DecodedImage> {
  if (!Buffer.isBuffer(png)) throw new ImageDecodeError(`not a PNG: expected a Buffer, got ${describe(png)}`);
  const header = readPngHeader(png);
  const bitDepth = decodedDepth(header);
  try {
    const pipeline = sharp(png, { failOn: 'warning' })
      .keepIccProfile()
      .toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb');
    const { data, info } = await pipeline
      .raw(bitDepth === 16 ? { depth: 'ushort' } : {})
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 && info.channels !== 4) {
      throw new ImageDecodeError(`unsupported PNG: decodes to ${info.channels} channels, not RGB or RGBA`);
    }
    return { data, width: info.width, height: info.height, channels: info.channels, bitDepth };
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    throw new ImageDecodeError(`corrupt PNG: ${(error as Error).message}`, { cause: error });
  }
}

/** Throws ImageDecodeError when a DecodedImage built by hand does not hold the bytes its header says. */
export function checkDecoded(image: DecodedImage): void {
  const { width, height, channels, bitDepth, data } = image;
  const valid =
    Number.isSafeInteger(width) && width > 0 && Number.isSafeInteger(height) && height > 0 &&
    (channels === 3 || channels === 4) && (bitDepth === 8 || bitDepth === 16) && Buffer.isBuffer(data);
  if (!valid) {
    throw new ImageDecodeError(`invalid decoded image: ${width}x${height}, ${channels} channels, ${bitDepth}-bit`);
  }
  const bytes = width * height * channels * (bitDepth / 8);
  if (data.length !== bytes) {
    throw new ImageDecodeError(
      `invalid decoded image: ${width}x${height}x${channels} at ${bitDepth} bits needs ${bytes} bytes, has ${data.length}`,
    );
  }
}

/** The samples of a decoded image as numbers (0-255 or 0-65535). A view, copied only when misaligned. */
export function samplesOf(image: DecodedImage): Uint8Array | Uint16Array {
  const { data } = image;
  if (image.bitDepth === 8) return data;
  if (data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  return new Uint16Array(new Uint8Array(data).buffer);
}

/** Checks sizes and sample types, and turns 16-bit bytes into the Uint16Array sharp needs to see ushort. */
function rawSamples(image: RawImage, bitDepth: BitDepth): Uint8Array | Uint16Array {
  const { data, width, height, channels } = image;
  if (!Number.isSafeInteger(width) || width < 1 || !Number.isSafeInteger(height) || height < 1) {
    throw new ImageEncodeError(`cannot encode a ${width}x${height} image: the size must be positive integers`);
  }
  if (channels !== 3 && channels !== 4) {
    throw new ImageEncodeError(`cannot encode ${channels} channels: only RGB (3) and RGBA (4)`);
  }
  if (bitDepth !== 8 && bitDepth !== 16) throw new ImageEncodeError(`cannot encode ${bitDepth}-bit samples: only 8 or 16`);
  const count = width * height * channels;
  const what = `a ${width}x${height} ${channels === 4 ? 'RGBA' : 'RGB'} ${bitDepth}-bit PNG`;
  if (bitDepth === 8) {
    if (!(data instanceof Uint8Array)) throw new ImageEncodeError(`${what} needs a Uint8Array, got ${describe(data)}`);
    if (data.length !== count) throw new ImageEncodeError(`${what} needs ${count} samples, got ${data.length}`);
    return data;
  }
  if (data instanceof Uint16Array) {
    if (data.length !== count) throw new ImageEncodeError(`${what} needs ${count} samples, got ${data.length}`);
    return data;
  }
  if (!(data instanceof Uint8Array)) throw new ImageEncodeError(`${what} needs a Uint16Array, got ${describe(data)}`);
  if (data.length !== count * 2) {
    throw new ImageEncodeError(`${what} needs ${count} samples (${count * 2} bytes), got ${data.length} bytes`);
  }
  // sharp picks the raw sample format from the array type; a Uint16Array view must be 2-byte aligned.
  if (data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, count);
  return new Uint16Array(new Uint8Array(data).buffer);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return (value as object).constructor?.name ?? typeof value;
}

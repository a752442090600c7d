import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { checkDecoded, decodePng, type DecodedImage } from './png';

/** Bumped only if the byte layout below changes; workers and coordinators must agree on it. */
export const PIXEL_HASH_VERSION = 'tessera-pixels/1';

/** 16-bit samples are byte-swapped and hashed this many bytes at a time, so no frame-sized copy is made. */
const CHUNK_BYTES = 1 << 20;

/**
 * SHA-256 (lowercase hex) of an image's decoded pixels, independent of how the PNG was compressed,
 * filtered or annotated (text chunks, ICC profile, gamma, timestamps: none of them change it).
 *
 * The hashed bytes, exactly (docs/protocol.md repeats this for worker authors):
 *
 *   1. the ASCII header  `tessera-pixels/1 {width} {height} {channels} {bitDepth}\n`
 *      with the numbers in decimal, no leading zeros, single spaces, one line feed (0x0A) at the end,
 *      e.g. `tessera-pixels/1 480 270 4 16\n`;
 *   2. then every sample, rows top to bottom, pixels left to right, channels interleaved in the order
 *      R, G, B (, A); `channels` is 3 (RGB) or 4 (RGBA);
 *      - bitDepth 8: one byte per sample;
 *      - bitDepth 16: two bytes per sample, big-endian (most significant byte first), as in the PNG
 *        file itself, whatever the byte order of the machine computing it.
 *
 * Samples are the stored values, with no colour management, premultiplication or gamma applied;
 * greyscale and palette PNGs count as their RGB(A) expansion. A worker can therefore hash the buffer
 * it is about to encode (RGB/RGBA, 8 or 16 bits) and get the same digest as the coordinator decoding
 * the uploaded PNG.
 */
export async function pixelHash(image: Buffer | DecodedImage): Promise<string> {
  const decoded = Buffer.isBuffer(image) ? await decodePng(image) : image;
  checkDecoded(decoded);
  const { width, height, channels, bitDepth, data } = decoded;
  const hash = createHash('sha256');
  hash.update(`${PIXEL_HASH_VERSION} ${width} ${height} ${channels} ${bitDepth}\n`, 'ascii');
  if (bitDepth === 8 || endianness() === 'BE') {
    hash.update(data);
  } else {
    // DecodedImage holds 16-bit samples in machine order; the hash wants big-endian.
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, data.length));
    for (let start = 0; start < data.length; start += CHUNK_BYTES) {
      const end = Math.min(start + CHUNK_BYTES, data.length);
      const part = chunk.subarray(0, end - start);
      data.copy(part, 0, start, end);
      hash.update(part.swap16());
    }
  }
  return hash.digest('hex');
}

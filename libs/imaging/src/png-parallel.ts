import { constants, crc32, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import type { BitDepth } from '@tessera/contracts';
import type { Channels } from './png';

const deflateRawAsync = promisify(deflateRaw);

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** zlib header: deflate with a 32 KiB window, default compression (0x78 0x9c; 0x789c % 31 === 0). */
const ZLIB_HEADER = Buffer.from([0x78, 0x9c]);
/** Raw scanlines per deflate piece: big enough that restarting the dictionary costs nothing that shows. */
const PIECE_BYTES = 4 * 1024 * 1024;
const ADLER_MOD = 65521;
/** The most bytes summed before the Adler-32 sums must be reduced, so they stay exact in a double. */
const ADLER_NMAX = 5552;

export interface ScanlineImage {
  /** Rows of `1 + width x channels x bitDepth/8` bytes: filter type 0, then samples, 16-bit ones big-endian. */
  scanlines: Buffer;
  width: number;
  height: number;
  channels: Channels;
  bitDepth: BitDepth;
}

/**
 * Resolves once rows [first, end) of the scanlines are final: a caller still filling the buffer (the
 * stitcher, tile by tile) lets the rows it has finished be compressed while it fills the others.
 */
export type RowsReady = (first: number, end: number) => Promise<void>;

/** Bytes of one PNG scanline: the filter-type byte, then the row's samples. */
export function scanlineBytes(width: number, channels: Channels, bitDepth: BitDepth): number {
  return 1 + width * channels * (bitDepth / 8);
}

/**
 * Encodes unfiltered scanlines as a PNG, compressing on every core: the rows are cut into pieces that zlib
 * deflates at once on the libuv thread pool, each but the last ended by a sync flush, so that the pieces
 * joined are one valid deflate stream (as pigz does); the Adler-32 of the whole is summed here meanwhile.
 * One-threaded zlib was most of a frame's stitch time; the output decodes to the same samples, a little
 * larger than one stream would be (each piece starts with an empty dictionary).
 */
export async function encodeScanlines(image: ScanlineImage, level = 6, ready: RowsReady = () => Promise.resolve()): Promise<Buffer> {
  const { scanlines, width, height, channels, bitDepth } = image;
  const rowBytes = scanlineBytes(width, channels, bitDepth);
  if (scanlines.length !== rowBytes * height) throw new RangeError(`scanlines: ${scanlines.length} bytes, expected ${height} rows of ${rowBytes}`);
  const rowsPerPiece = Math.max(1, Math.floor(PIECE_BYTES / rowBytes));
  const pieces: Array<{ first: number; end: number }> = [];
  for (let row = 0; row < height; row += rowsPerPiece) pieces.push({ first: row, end: Math.min(height, row + rowsPerPiece) });
  const deflated = Promise.all(
    pieces.map(async ({ first, end }, index) => {
      await ready(first, end);
      const finishFlush = index === pieces.length - 1 ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
      return deflateRawAsync(scanlines.subarray(first * rowBytes, end * rowBytes), { level, finishFlush });
    }),
  );
  // Every piece waits for its rows; the checksum needs them all.
  await Promise.all(pieces.map(({ first, end }) => ready(first, end)));
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(adler32(scanlines));
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(bitDepth, 8);
  header.writeUInt8(channels === 4 ? 6 : 2, 9); // colour type: RGBA or RGB
  // compression 0, filter method 0, no interlace: the three bytes left at zero.
  return assemble(header, [ZLIB_HEADER, ...(await deflated), checksum]);
}

/**
 * The PNG in one allocation: signature, IHDR, one IDAT holding the zlib stream's parts, IEND. The parts are
 * copied once, into place, and the IDAT's CRC is summed over them as they are: no joined copy of a frame's
 * compressed data is ever made (an 8K frame's is ~80 MB).
 */
function assemble(header: Buffer, idat: Buffer[]): Buffer {
  const idatLength = idat.reduce((sum, part) => sum + part.length, 0);
  const png = Buffer.allocUnsafe(SIGNATURE.length + 12 + header.length + 12 + idatLength + 12);
  let at = SIGNATURE.copy(png, 0);
  const chunk = (type: string, parts: Buffer[], length: number) => {
    at = png.writeUInt32BE(length, at);
    const typeAt = at;
    at += png.write(type, at, 'ascii');
    let crc = crc32(png.subarray(typeAt, at));
    for (const part of parts) {
      at += part.copy(png, at);
      crc = crc32(part, crc);
    }
    at = png.writeUInt32BE(crc, at);
  };
  chunk('IHDR', [header], header.length);
  chunk('IDAT', idat, idatLength);
  chunk('IEND', [], 0);
  return png;
}

/** Adler-32 (RFC 1950) of `data`, reduced every ADLER_NMAX bytes as zlib does. */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const length = data.length;
  for (let start = 0; start < length; start += ADLER_NMAX) {
    const end = Math.min(start + ADLER_NMAX, length);
    for (let i = start; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}

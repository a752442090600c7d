import { crc32 } from 'node:zlib';
import { ImageDecodeError } from './errors';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG colour types (PNG spec 11.2.2). */
const COLOUR_TYPES: Record<number, { name: string; channels: number; depths: number[] }> = {
  0: { name: 'greyscale', channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', channels: 3, depths: [8, 16] },
  3: { name: 'palette', channels: 1, depths: [1, 2, 4, 8] },
  4: { name: 'greyscale+alpha', channels: 2, depths: [8, 16] },
  6: { name: 'RGBA', channels: 4, depths: [8, 16] },
};

/** What the chunk walk learns, before any pixel is decoded. */
export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample as stored: 1, 2, 4, 8 or 16. */
  sampleDepth: number;
  colourType: number;
  /** A tRNS chunk turns a palette or opaque image into one with alpha once decoded. */
  hasTransparencyChunk: boolean;
}

/** Channels after decoding to RGB or RGBA, the only layouts Tessera hands out. */
export function decodedChannels(header: PngHeader): 3 | 4 {
  const alpha = header.colourType === 4 || header.colourType === 6 || header.hasTransparencyChunk;
  return alpha ? 4 : 3;
}

/** Bit depth after decoding: 16-bit stays 16-bit, everything else becomes 8-bit. */
export function decodedDepth(header: PngHeader): 8 | 16 {
  return header.sampleDepth === 16 ? 16 : 8;
}

/**
 * Walks the chunk structure (signature, lengths, CRCs, IHDR first, IEND last) so that a broken file
 * is rejected with a message that says where it breaks, instead of libpng's "read error". CRC-32 runs
 * natively at GB/s, so checking it on a whole frame costs milliseconds.
 */
export function readPngHeader(png: Uint8Array): PngHeader {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length === 0) throw new ImageDecodeError('not a PNG: the data is empty');
  if (buf.length < SIGNATURE.length || !buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    const head = buf.subarray(0, 8).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    throw new ImageDecodeError(`not a PNG: the data does not start with the PNG signature (starts with ${head})`);
  }
  let header: PngHeader | undefined;
  let offset = SIGNATURE.length;
  for (;;) {
    if (offset + 8 > buf.length) {
      throw new ImageDecodeError(`truncated PNG: it ends at byte ${buf.length} with no IEND chunk`);
    }
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > buf.length) {
      throw new ImageDecodeError(
        `truncated PNG: chunk ${type} at byte ${offset} needs ${length} data bytes but the file ends at byte ${buf.length}`,
      );
    }
    if (crc32(buf.subarray(offset + 4, end - 4)) !== buf.readUInt32BE(end - 4)) {
      throw new ImageDecodeError(`corrupt PNG: chunk ${type} at byte ${offset} fails its CRC check`);
    }
    if (!header) {
      if (type !== 'IHDR') throw new ImageDecodeError(`corrupt PNG: the first chunk is ${type}, not IHDR`);
      header = parseIhdr(buf.subarray(offset + 8, end - 4));
    } else if (type === 'tRNS') {
      header.hasTransparencyChunk = true;
    } else if (type === 'IEND') {
      return header;
    }
    offset = end;
  }
}

function parseIhdr(data: Buffer): PngHeader {
  if (data.length !== 13) throw new ImageDecodeError(`corrupt PNG: IHDR holds ${data.length} bytes, not 13`);
  const width = data.readUInt32BE(0);
  const height = data.readUInt32BE(4);
  const sampleDepth = data[8];
  const colourType = data[9];
  if (width === 0 || height === 0) throw new ImageDecodeError(`corrupt PNG: IHDR says ${width}x${height} pixels`);
  const colour = COLOUR_TYPES[colourType];
  if (!colour) throw new ImageDecodeError(`corrupt PNG: unknown colour type ${colourType}`);
  if (!colour.depths.includes(sampleDepth)) {
    throw new ImageDecodeError(`corrupt PNG: ${colour.name} PNGs cannot have ${sampleDepth}-bit samples`);
  }
  return { width, height, sampleDepth, colourType, hasTransparencyChunk: false };
}

import type { BitDepth, Region } from '@tessera/contracts';
import { checkCoverage, CoverageError, describeRegion } from '@tessera/domain';
import { availableParallelism } from 'node:os';
import { StitchError } from './errors';
import { decodePng, type Channels, type DecodedImage } from './png';
import { encodeScanlines, scanlineBytes } from './png-parallel';
import { decodedChannels, decodedDepth, readPngHeader, type PngHeader } from './png-structure';

export interface StitchTile {
  /** Where the tile goes in the frame; its PNG must be exactly this size. */
  region: Region;
  png: Buffer;
}

export interface StitchRequest {
  width: number;
  height: number;
  bitDepth: BitDepth;
  tiles: readonly StitchTile[];
  /** zlib level of the frame PNG (default 6). */
  compressionLevel?: number;
}

/**
 * Composes tiles into one frame PNG of `bitDepth` bits per sample, RGB or RGBA as the tiles are.
 *
 * Checks first, decodes nothing until the whole request is known to fit: regions must cover the frame
 * exactly (checkCoverage), every tile PNG must be its region's size, at the frame's bit depth, and all
 * tiles must have the same channels. Throws StitchError naming the tile and what is wrong.
 *
 * Why not sharp's `composite()`: libvips composites with premultiplied alpha, so RGBA pixels with
 * alpha 0 lose their colour and partial alpha can move by one step, and on a canvas from `create` it
 * works in the canvas's 8-bit format, truncating 16-bit tiles (both measured with sharp 0.35). A stitch
 * must be exact: the frame's pixels are the accepted tiles' pixels. So tiles are decoded a few at a
 * time and their rows copied straight into the frame's PNG scanlines (filter byte, then big-endian
 * samples), which are deflated on every core (encodeScanlines): peak memory is the raw frame plus a few
 * tiles plus the output PNG.
 */
export async function stitch(request: StitchRequest): Promise<Buffer> {
  const { width, height, bitDepth, tiles } = request;
  if (bitDepth !== 8 && bitDepth !== 16) throw new StitchError(`cannot stitch a ${bitDepth}-bit frame: only 8 or 16`);
  const channels = checkTiles(request);
  const bytesPerPixel = channels * (bitDepth / 8);
  const stride = scanlineBytes(width, channels, bitDepth);
  // Every sample is overwritten (the coverage check proved the tiles cover each pixel exactly once); the
  // filter byte of each row is set here: 0, no filter.
  const frame = Buffer.allocUnsafe(stride * height);
  for (let row = 0; row < height; row++) frame[row * stride] = 0;
  // Rows are compressed as soon as every tile over them is in, while later tiles are still being decoded.
  const copied = tiles.map(() => deferred());
  const ready = (first: number, end: number) =>
    Promise.all(tiles.flatMap((tile, i) => (tile.region.y < end && tile.region.y + tile.region.height > first ? [copied[i].promise] : []))).then(() => undefined);
  const decoding = forEachLimited(tiles, decodeConcurrency(), async (tile, index) => {
    const decoded = await decodeTile(tile, index);
    // The headers were checked; libvips must agree with them or something is badly wrong.
    if (decoded.width !== tile.region.width || decoded.height !== tile.region.height || decoded.channels !== channels) {
      throw new StitchError(`tile #${index} decoded to ${decoded.width}x${decoded.height}x${decoded.channels}, not as its header says`);
    }
    copyInto(frame, stride, bytesPerPixel, tile.region, decoded);
    copied[index].resolve();
  });
  // A failed decode fails the stitch; the rows waiting for that tile are never compressed.
  const failed = decoding.then(() => new Promise<never>(() => undefined));
  const encoding = encodeScanlines({ scanlines: frame, width, height, channels, bitDepth }, request.compressionLevel, ready);
  return Promise.race([encoding, failed]);
}

/** Validates coverage and every tile header; returns the channel count the frame will have. */
function checkTiles({ width, height, bitDepth, tiles }: StitchRequest): Channels {
  if (tiles.length === 0) throw new StitchError(`cannot stitch a ${width}x${height} frame from no tiles`);
  try {
    checkCoverage(width, height, tiles.map((tile) => tile.region));
  } catch (error) {
    if (!(error instanceof CoverageError)) throw error;
    throw new StitchError(`cannot stitch a ${width}x${height} frame: ${error.message}`, { cause: error });
  }
  let channels: Channels | undefined;
  tiles.forEach((tile, index) => {
    const header = readTileHeader(tile, index);
    const where = `tile #${index} for ${describeRegion(tile.region, index)}`;
    if (header.width !== tile.region.width || header.height !== tile.region.height) {
      throw new StitchError(`${where} is ${header.width}x${header.height} pixels, not ${tile.region.width}x${tile.region.height}`);
    }
    if (decodedDepth(header) !== bitDepth) {
      throw new StitchError(`${where} has ${header.sampleDepth}-bit samples; the frame is ${bitDepth}-bit`);
    }
    const tileChannels = decodedChannels(header);
    channels ??= tileChannels;
    if (tileChannels !== channels) {
      throw new StitchError(`${where} has ${tileChannels} channels but tile #0 has ${channels}; tiles must agree`);
    }
  });
  return channels as Channels;
}

async function decodeTile(tile: StitchTile, index: number): Promise<DecodedImage> {
  try {
    return await decodePng(tile.png);
  } catch (error) {
    throw new StitchError(`tile #${index}: ${(error as Error).message}`, { cause: error });
  }
}

function readTileHeader(tile: StitchTile, index: number): PngHeader {
  try {
    return readPngHeader(tile.png);
  } catch (error) {
    throw new StitchError(`tile #${index}: ${(error as Error).message}`, { cause: error });
  }
}

/** Copies a tile's rows into the frame's scanlines; 16-bit samples go from machine order to PNG's big-endian. */
function copyInto(frame: Buffer, stride: number, bytesPerPixel: number, region: Region, tile: DecodedImage): void {
  const rowBytes = region.width * bytesPerPixel;
  const swap = tile.bitDepth === 16 && LITTLE_ENDIAN;
  for (let row = 0; row < region.height; row++) {
    const target = (region.y + row) * stride + 1 + region.x * bytesPerPixel;
    tile.data.copy(frame, target, row * rowBytes, (row + 1) * rowBytes);
    if (swap) frame.subarray(target, target + rowBytes).swap16();
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** libvips decodes on its own thread pool; a couple of decodes per core keeps it busy without piling up tiles. */
function decodeConcurrency(): number {
  return Math.max(2, Math.min(8, availableParallelism() * 2));
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failed = true; // the other workers stop taking tiles; Promise.all reports this error
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

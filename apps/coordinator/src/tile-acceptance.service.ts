import { Injectable } from '@nestjs/common';
import type { TileResult } from '@tessera/contracts';
import { decodePng, pixelHash } from '@tessera/imaging';
import type { AttemptContext } from '@tessera/persistence';
import { ObjectNotFoundError, ObjectStorage, ObjectTooLargeError } from '@tessera/storage';

type Rendered = Extract<TileResult, { status: 'rendered' }>;

/** Bytes per pixel of a 16-bit RGBA PNG, the largest a tile can be, plus room for headers and metadata. */
const MAX_BYTES_PER_PIXEL = 8;
const PNG_OVERHEAD_BYTES = 1024 * 1024;

export type Verdict = { ok: true } | { ok: false; reason: string };

/**
 * The basic checks every returned tile passes before it is accepted: the upload exists and is not oversized,
 * it decodes as a PNG of exactly the tile's size and the job's bit depth, and its decoded pixels hash to what
 * the worker committed to in its result. Spot-check verification builds on these.
 */
@Injectable()
export class TileAcceptanceService {
  constructor(private readonly storage: ObjectStorage) {}

  async check(result: Rendered, { attempt, tile, job }: AttemptContext): Promise<Verdict> {
    if (result.width !== tile.width || result.height !== tile.height) {
      return fail(`result says ${result.width}x${result.height}, the tile is ${tile.width}x${tile.height}`);
    }
    const limit = tile.width * tile.height * MAX_BYTES_PER_PIXEL + PNG_OVERHEAD_BYTES;
    let png: Buffer;
    try {
      // One GET, no HEAD first: the limit stops the read of an oversized upload after `limit` bytes.
      png = await this.storage.getBuffer(attempt.outputKey, limit);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return fail('no output was uploaded for this lease');
      if (error instanceof ObjectTooLargeError) return fail(`output is more than ${limit} bytes for a ${tile.width}x${tile.height} tile`);
      throw error;
    }
    let decoded;
    try {
      decoded = await decodePng(png);
    } catch (error) {
      return fail(`output does not decode: ${(error as Error).message}`);
    }
    if (decoded.width !== tile.width || decoded.height !== tile.height) {
      return fail(`output is ${decoded.width}x${decoded.height}, the tile is ${tile.width}x${tile.height}`);
    }
    if (decoded.bitDepth !== job.bitDepth) return fail(`output is ${decoded.bitDepth}-bit, the job asks for ${job.bitDepth}-bit`);
    const hash = await pixelHash(decoded);
    if (hash !== result.pixelSha256) return fail(`pixel hash ${hash} differs from the committed ${result.pixelSha256}`);
    return { ok: true };
  }
}

function fail(reason: string): Verdict {
  return { ok: false, reason };
}

import type { Region } from '@tessera/contracts';
import { InvariantViolationError } from '../errors';
import type { CheckPolicy } from './check-policy';
import { drawInteger, type RandomSource } from './random-source';
import { MAX_PATCH_PLACEMENT_TRIES } from './thresholds';

/** A tile to cut patches from: its size, and its origin in the frame if the patches should be in frame coordinates. */
export interface PatchTile {
  width: number;
  height: number;
  x?: number;
  y?: number;
}

/**
 * The rectangles a patch check re-renders: `policy.patches` rectangles of the tile's aspect, together
 * about `policy.patchArea` of its pixels, at positions drawn from `random` after the worker committed to
 * its result. Integer edges, each inside the tile; placed clear of each other when a few tries allow it
 * (an overlap re-renders pixels already covered, i.e. checks less for the same cost), overlapping
 * otherwise. Offset by the tile's x and y, so a tile given as a frame Region yields frame regions.
 *
 * The same source state gives the same patches. Where the patches would cover the whole tile anyway (a
 * patch area of 1, or a tile with no more pixels than there are patches) it returns the tile itself: the
 * caller then has a whole-tile check, at the same cost.
 */
export function choosePatches(
  tile: PatchTile,
  policy: Pick<CheckPolicy, 'patches' | 'patchArea'>,
  random: RandomSource,
): Region[] {
  const { width, height } = tile;
  const x0 = tile.x ?? 0;
  const y0 = tile.y ?? 0;
  requirePositive('tile width', width);
  requirePositive('tile height', height);
  requireOrigin('tile x', x0);
  requireOrigin('tile y', y0);
  const count = policy.patches;
  const tilePixels = width * height;
  if (policy.patchArea >= 1 || tilePixels <= count) return [{ x: x0, y: y0, width, height }];

  const size = patchSize(width, height, (policy.patchArea * tilePixels) / count);
  const placed: Region[] = [];
  for (let i = 0; i < count; i++) {
    let candidate = place(size, width, height, random);
    for (let tries = 1; tries < MAX_PATCH_PLACEMENT_TRIES && placed.some((p) => overlaps(p, candidate)); tries++) {
      candidate = place(size, width, height, random);
    }
    placed.push(candidate);
  }
  return placed.map((p) => ({ x: p.x + x0, y: p.y + y0, width: p.width, height: p.height }));
}

/**
 * The chance that a patch check overlaps a faked region of a tile, estimated over `samples` draws of
 * choosePatches: the `detect` of the simulation for a cheater who fakes that part of its tiles and
 * renders the rest honestly (with exact comparison, one faked pixel in a patch is a mismatch; with the
 * tolerance comparison the patch must contain more than 1% faked pixels, which this does not model).
 * `fake` is in the same coordinates as `tile`.
 */
export function patchOverlapProbability(
  tile: PatchTile,
  fake: Region,
  policy: Pick<CheckPolicy, 'patches' | 'patchArea'>,
  random: RandomSource,
  samples: number,
): number {
  if (!Number.isSafeInteger(samples) || samples < 1) {
    throw new InvariantViolationError(`patchOverlapProbability: samples must be a positive integer, got ${samples}`);
  }
  let hits = 0;
  for (let i = 0; i < samples; i++) {
    if (choosePatches(tile, policy, random).some((patch) => overlaps(patch, fake))) hits++;
  }
  return hits / samples;
}

/**
 * A patch of about `area` pixels shaped like the tile, at least 1 x 1 and no larger than the tile.
 * The width is picked first from the tile's aspect, then the height to fit the area, then the width
 * again to fit the (possibly clamped) height: on a 1000 x 1 strip that gives 67 x 1 for 67 pixels,
 * not 258 x 1. The area error is at most half a row or column of the patch.
 */
function patchSize(width: number, height: number, area: number): { width: number; height: number } {
  const scale = Math.sqrt(area / (width * height));
  const w0 = clamp(Math.round(width * scale), 1, width);
  const h = clamp(Math.round(area / w0), 1, height);
  const w = clamp(Math.round(area / h), 1, width);
  return { width: w, height: h };
}

/**
 * A patch position. Drawing the origin uniformly from [0, W - w] would cover a corner pixel only when the
 * origin is exactly 0: about 1 draw in 200 on a 256-pixel tile, so a cheater could fake the corners of
 * every tile and almost never be seen. Instead the origin is drawn from [-(w - 1), W - 1], every position
 * where the patch still touches the tile, and then pushed inside: each pixel is covered with probability
 * at least w / (W + w - 1) per axis (central pixels exactly that, pixels near an edge more), so no part
 * of the tile is safe to fake.
 */
function place(size: { width: number; height: number }, width: number, height: number, random: RandomSource): Region {
  return {
    x: pushInside(drawInteger(random, width + size.width - 1) - (size.width - 1), size.width, width),
    y: pushInside(drawInteger(random, height + size.height - 1) - (size.height - 1), size.height, height),
    width: size.width,
    height: size.height,
  };
}

function pushInside(origin: number, size: number, extent: number): number {
  return clamp(origin, 0, extent - size);
}

function overlaps(a: Region, b: Region): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function requirePositive(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvariantViolationError(`choosePatches: ${what} must be a positive integer, got ${value}`);
  }
}

function requireOrigin(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvariantViolationError(`choosePatches: ${what} must be a non-negative integer, got ${value}`);
  }
}

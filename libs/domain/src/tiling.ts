import type { Region } from '@tessera/contracts';
import { TilingError } from './errors';

/** A grid of tiles over a frame: `cols` across, `rows` down. */
export interface Grid {
  cols: number;
  rows: number;
}

/** What a job asks for: a fixed grid, or `auto` (resolved per frame size by autoTiling). */
export type Tiling = ({ kind: 'grid' } & Grid) | { kind: 'auto' };

/**
 * The largest grid a job may ask for in either direction. A tile costs a lease, a result message and a
 * database row; 64 x 64 = 4096 tiles per frame is far past the point where smaller tiles pay off.
 */
export const MAX_GRID = 64;

export interface AutoTilingOptions {
  /** The tile edge `auto` aims for, in pixels. */
  targetTileSize?: number;
  /** Upper bound on columns and on rows. */
  maxGrid?: number;
}

export const AUTO_TILE_SIZE = 256;
export const AUTO_MAX_GRID = 16;

/**
 * Splits a frame into cols x rows integer rectangles, row-major from the top-left.
 *
 * Column i spans [floor(i*W/cols), floor((i+1)*W/cols)) and likewise for rows, so the edges are exact
 * integers, consecutive tiles share an edge (no gap, no overlap) and the remainder pixels are spread
 * evenly: widths differ by at most one pixel. Every tile of a column has the same width and every tile
 * of a row the same height, which keeps seams straight.
 */
export function planTiles(width: number, height: number, cols: number, rows: number): Region[] {
  checkGrid(width, height, cols, rows);
  const xs = edges(width, cols);
  const ys = edges(height, rows);
  const regions: Region[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      regions.push({ x: xs[c], y: ys[r], width: xs[c + 1] - xs[c], height: ys[r + 1] - ys[r] });
    }
  }
  return regions;
}

function checkGrid(width: number, height: number, cols: number, rows: number): void {
  requireSize('width', width);
  requireSize('height', height);
  requireCount('columns', cols);
  requireCount('rows', rows);
  if (cols > width) {
    throw new TilingError(`tiling ${cols}x${rows} needs at least ${cols} pixels of width; the frame is ${width} wide`);
  }
  if (rows > height) {
    throw new TilingError(`tiling ${cols}x${rows} needs at least ${rows} pixels of height; the frame is ${height} high`);
  }
}

/** n + 1 edges from 0 to size. Integer arithmetic: size * n stays far below 2^53 for any real frame. */
function edges(size: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(Math.floor((i * size) / n));
  return out;
}

/**
 * The grid `auto` means for a frame: about `targetTileSize` (256) pixels per tile edge, rounded to the
 * nearest count, at least 1 and at most `maxGrid` (16) in each direction, and never more tiles than
 * pixels. 1920x1080 -> 8x4 (240x270 tiles), 3840x2160 -> 15x8, 7680x4320 -> 16x16, 320x180 -> 1x1.
 *
 * 256 px keeps each tile worth a lease (render time well above the lease round trip) while giving
 * enough tiles to spread a single frame over a handful of workers.
 */
export function autoTiling(width: number, height: number, options: AutoTilingOptions = {}): Grid {
  requireSize('width', width);
  requireSize('height', height);
  const target = options.targetTileSize ?? AUTO_TILE_SIZE;
  const maxGrid = options.maxGrid ?? AUTO_MAX_GRID;
  requireCount('targetTileSize', target);
  requireCount('maxGrid', maxGrid);
  const pick = (size: number) => Math.min(Math.max(Math.round(size / target), 1), maxGrid, size);
  return { cols: pick(width), rows: pick(height) };
}

/** Reads a job's tiling: `auto` or `<cols>x<rows>` such as `4x3` (case-insensitive, spaces allowed around x). */
export function parseTiling(text: string): Tiling {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'auto') return { kind: 'auto' };
  const match = /^(\d{1,6})\s*x\s*(\d{1,6})$/.exec(trimmed);
  if (!match) {
    throw new TilingError(`tiling: ${JSON.stringify(text)} is not "auto" or "<cols>x<rows>" (e.g. "4x3")`);
  }
  const cols = Number(match[1]);
  const rows = Number(match[2]);
  if (cols < 1 || rows < 1) {
    throw new TilingError(`tiling: ${JSON.stringify(text)} needs at least one column and one row`);
  }
  if (cols > MAX_GRID || rows > MAX_GRID) {
    throw new TilingError(`tiling: ${JSON.stringify(text)} is larger than ${MAX_GRID}x${MAX_GRID}`);
  }
  return { kind: 'grid', cols, rows };
}

/** The grid a tiling means for one frame size; throws TilingError where a fixed grid does not fit. */
export function resolveTiling(tiling: Tiling, width: number, height: number): Grid {
  if (tiling.kind === 'auto') return autoTiling(width, height);
  checkGrid(width, height, tiling.cols, tiling.rows);
  return { cols: tiling.cols, rows: tiling.rows };
}

/** Formats a grid the way parseTiling reads it. */
export function formatTiling(tiling: Tiling): string {
  return tiling.kind === 'auto' ? 'auto' : `${tiling.cols}x${tiling.rows}`;
}

function requireSize(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TilingError(`tiling: frame ${what} must be a positive integer, got ${value}`);
  }
}

function requireCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TilingError(`tiling: ${what} must be a positive integer, got ${value}`);
  }
}

import type { Region } from '@tessera/contracts';
import { CoverageError } from './errors';

/**
 * Checks that `regions` cover a width x height frame exactly: every region inside the frame, no two
 * regions sharing a pixel, no pixel left uncovered. Throws CoverageError naming the first problem:
 * an invalid or out-of-bounds region (lowest index first), then the overlap whose first shared pixel
 * comes first in row-major order, then the first uncovered pixel in row-major order.
 *
 * Works on rectangles, never on a pixel bitmap, so an 8K frame costs no more than a thumbnail.
 * Overlaps are reported before gaps: regions that overlap usually also leave a gap elsewhere, and the
 * overlap is the cause.
 */
export function checkCoverage(width: number, height: number, regions: readonly Region[]): void {
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new CoverageError(`frame size must be positive integers, got ${width}x${height}`, { kind: 'invalid-frame' });
  }
  regions.forEach((region, index) => checkRegion(width, height, region, index));
  const { overlap, gap } = sweep(width, height, regions);
  if (overlap) {
    const { a, b, x, y } = overlap;
    throw new CoverageError(
      `${describeRegion(regions[a], a)} and ${describeRegion(regions[b], b)} overlap, first at pixel (${x}, ${y})`,
      { kind: 'overlap', regions: [a, b], pixel: { x, y } },
    );
  }
  if (gap) {
    const missing = width * height - regions.reduce((sum, r) => sum + r.width * r.height, 0);
    throw new CoverageError(
      `regions leave ${missing} pixel${missing === 1 ? '' : 's'} of the ${width}x${height} frame uncovered, ` +
        `first at pixel (${gap.x}, ${gap.y})`,
      { kind: 'gap', pixel: gap },
    );
  }
}

/** `region #3 (x 60, y 0, 10x20)`: the way every coverage message names a region. */
export function describeRegion(region: Region, index: number): string {
  return `region #${index} (x ${region.x}, y ${region.y}, ${region.width}x${region.height})`;
}

function checkRegion(width: number, height: number, region: Region, index: number): void {
  const { x, y } = region;
  if (!isNonNegativeInteger(x) || !isNonNegativeInteger(y)) {
    throw new CoverageError(`${describeRegion(region, index)} must start at non-negative integer x and y`, {
      kind: 'invalid-region',
      region: index,
    });
  }
  if (!isPositiveInteger(region.width) || !isPositiveInteger(region.height)) {
    throw new CoverageError(`${describeRegion(region, index)} must have a positive integer width and height`, {
      kind: 'invalid-region',
      region: index,
    });
  }
  if (x + region.width > width || y + region.height > height) {
    const right = x + region.width - 1;
    const bottom = y + region.height - 1;
    throw new CoverageError(
      `${describeRegion(region, index)} reaches pixel (${right}, ${bottom}), outside the ${width}x${height} frame`,
      { kind: 'out-of-bounds', region: index },
    );
  }
}

interface Overlap {
  a: number;
  b: number;
  x: number;
  y: number;
}

/**
 * One top-to-bottom sweep. Which regions cover a row only changes at region top and bottom edges, so
 * each band between two such edges is examined once, on its first row: the regions active there,
 * sorted by x, must follow each other without overlapping (else the first overlap pixel is where one
 * starts inside another) and without leaving room (else the first gap pixel). Bands come in ascending
 * y and pixels within a band in ascending x, so the first finding of each kind is the first in
 * row-major order. Cost: the sum over bands of the regions active in them, about n for a grid.
 */
function sweep(width: number, height: number, regions: readonly Region[]): { overlap?: Overlap; gap?: { x: number; y: number } } {
  const byTop = regions.map((_, i) => i).sort((i, j) => regions[i].y - regions[j].y);
  const bands = [...new Set([0, ...regions.flatMap((r) => [r.y, r.y + r.height])])]
    .filter((y) => y < height)
    .sort((a, b) => a - b);
  let active: number[] = [];
  let next = 0;
  let gap: { x: number; y: number } | undefined;
  for (const y of bands) {
    active = active.filter((i) => regions[i].y + regions[i].height > y);
    while (next < byTop.length && regions[byTop[next]].y <= y) active.push(byTop[next++]);
    active.sort((i, j) => regions[i].x - regions[j].x || i - j);
    let end = 0; // right edge of the covered run so far
    let owner = -1; // the region that reaches furthest right
    for (const i of active) {
      const r = regions[i];
      if (r.x < end) return { overlap: { a: Math.min(owner, i), b: Math.max(owner, i), x: r.x, y } };
      if (r.x > end && !gap) gap = { x: end, y };
      end = r.x + r.width;
      owner = i;
    }
    if (end < width && !gap) gap = { x: end, y };
  }
  return { gap };
}

function isPositiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1;
}

function isNonNegativeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

import type { Region } from '@tessera/contracts';
import { CoverageError } from './errors';

/**
 * Checks that `regions` cover a width x height frame exactly: every region inside the frame, no two
 * regions sharing a pixel, no pixel left uncovered. Throws CoverageError naming the first problem:
 * an invalid or out-of-bounds region (lowest index first), then the overlap whose first shared pixel
 * comes first in row-major order, then the first uncovered pixel in row-major order.
 *
 * Works on rectangles, never on a pixel bitmap, so an 8K frame costs no more than a thumbnail.
 */
export function checkCoverage(width: number, height: number, regions: readonly Region[]): void {
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new CoverageError(`frame size must be positive integers, got ${width}x${height}`, { kind: 'invalid-frame' });
  }
  regions.forEach((region, index) => checkRegion(width, height, region, index));
  checkOverlaps(regions);
  // Inside bounds and disjoint: the regions cover the frame exactly iff their areas add up to it.
  const area = regions.reduce((sum, r) => sum + r.width * r.height, 0);
  if (area !== width * height) throwGap(width, height, regions, width * height - area);
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

function checkOverlaps(regions: readonly Region[]): void {
  // Sorted by left edge, a region can only overlap the ones that start before its right edge.
  const order = regions.map((_, i) => i).sort((i, j) => regions[i].x - regions[j].x || i - j);
  let first: Overlap | undefined;
  for (let k = 0; k < order.length; k++) {
    const r = regions[order[k]];
    for (let m = k + 1; m < order.length && regions[order[m]].x < r.x + r.width; m++) {
      const s = regions[order[m]];
      if (s.y >= r.y + r.height || r.y >= s.y + s.height) continue;
      const found = { a: Math.min(order[k], order[m]), b: Math.max(order[k], order[m]), x: s.x, y: Math.max(r.y, s.y) };
      if (!first || comesBefore(found, first)) first = found;
    }
  }
  if (first) {
    const { a, b, x, y } = first;
    throw new CoverageError(
      `${describeRegion(regions[a], a)} and ${describeRegion(regions[b], b)} overlap, first at pixel (${x}, ${y})`,
      { kind: 'overlap', regions: [a, b], pixel: { x, y } },
    );
  }
}

function comesBefore(p: Overlap, q: Overlap): boolean {
  return (p.y - q.y || p.x - q.x || p.a - q.a || p.b - q.b) < 0;
}

/**
 * Finds the first uncovered pixel, row-major. Coverage only changes at region top and bottom edges, so
 * each horizontal band between two such edges is checked once, on its first row.
 */
function throwGap(width: number, height: number, regions: readonly Region[], missing: number): never {
  const bands = [...new Set([0, ...regions.flatMap((r) => [r.y, r.y + r.height])])]
    .filter((y) => y < height)
    .sort((a, b) => a - b);
  for (const y of bands) {
    const spans = regions.filter((r) => r.y <= y && y < r.y + r.height).sort((a, b) => a.x - b.x);
    let x = 0;
    for (const span of spans) {
      if (span.x > x) break;
      x = span.x + span.width;
    }
    if (x < width) {
      throw new CoverageError(
        `regions leave ${missing} pixel${missing === 1 ? '' : 's'} of the ${width}x${height} frame uncovered, ` +
          `first at pixel (${x}, ${y})`,
        { kind: 'gap', pixel: { x, y } },
      );
    }
  }
  // Unreachable when the regions are disjoint and inside the frame: less area than the frame means a gap.
  throw new CoverageError(`regions leave ${missing} pixels uncovered`, { kind: 'gap', pixel: { x: 0, y: 0 } });
}

function isPositiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1;
}

function isNonNegativeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

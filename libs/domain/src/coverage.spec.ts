import type { Region } from '@tessera/contracts';
import fc from 'fast-check';
import { checkCoverage } from './coverage';
import { CoverageError } from './errors';
import { planTiles } from './tiling';

function coverageError(width: number, height: number, regions: Region[]): CoverageError {
  try {
    checkCoverage(width, height, regions);
  } catch (error) {
    expect(error).toBeInstanceOf(CoverageError);
    return error as CoverageError;
  }
  throw new Error('expected checkCoverage to throw');
}

/** The slow, obviously right answer: count hits per pixel. Regions outside the frame are skipped. */
function hitsOf(width: number, height: number, regions: Region[]): Uint8Array {
  const hits = new Uint8Array(width * height);
  for (const r of regions) {
    for (let y = r.y; y < Math.min(r.y + r.height, height); y++) {
      for (let x = r.x; x < Math.min(r.x + r.width, width); x++) hits[y * width + x]++;
    }
  }
  return hits;
}

describe('checkCoverage', () => {
  it('accepts an exact cover in any order', () => {
    const regions = planTiles(30, 20, 4, 3).reverse();
    expect(() => checkCoverage(30, 20, regions)).not.toThrow();
  });

  it('names the first uncovered pixel and how many are missing', () => {
    const regions = planTiles(20, 10, 2, 2);
    const error = coverageError(20, 10, [regions[0], regions[1], regions[3]]);
    expect(error.message).toBe('regions leave 50 pixels of the 20x10 frame uncovered, first at pixel (0, 5)');
    expect(error.problem).toEqual({ kind: 'gap', pixel: { x: 0, y: 5 } });
    expect(error.code).toBe('invalid_coverage');
  });

  it('finds a one-pixel hole', () => {
    const regions = [
      { x: 0, y: 0, width: 3, height: 1 },
      { x: 0, y: 1, width: 1, height: 1 },
      { x: 2, y: 1, width: 1, height: 1 },
      { x: 0, y: 2, width: 3, height: 1 },
    ];
    expect(coverageError(3, 3, regions).message).toBe('regions leave 1 pixel of the 3x3 frame uncovered, first at pixel (1, 1)');
  });

  it('names both overlapping regions and the first shared pixel', () => {
    const regions = [
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 5, y: 3, width: 5, height: 7 },
    ];
    const error = coverageError(10, 10, regions);
    expect(error.message).toBe('region #0 (x 0, y 0, 10x10) and region #1 (x 5, y 3, 5x7) overlap, first at pixel (5, 3)');
    expect(error.problem).toEqual({ kind: 'overlap', regions: [0, 1], pixel: { x: 5, y: 3 } });
  });

  it('reports a duplicated tile as an overlap', () => {
    const regions = planTiles(8, 8, 2, 2);
    expect(coverageError(8, 8, [...regions, regions[2]]).problem).toEqual({ kind: 'overlap', regions: [2, 4], pixel: { x: 0, y: 4 } });
  });

  it('names a region outside the frame, with the pixel it reaches', () => {
    const error = coverageError(10, 10, [{ x: 5, y: 0, width: 6, height: 10 }]);
    expect(error.message).toBe('region #0 (x 5, y 0, 6x10) reaches pixel (10, 9), outside the 10x10 frame');
    expect(error.problem).toEqual({ kind: 'out-of-bounds', region: 0 });
  });

  it.each([
    [{ x: -1, y: 0, width: 2, height: 2 }, 'region #0 (x -1, y 0, 2x2) must start at non-negative integer x and y'],
    [{ x: 0, y: 0.5, width: 2, height: 2 }, 'region #0 (x 0, y 0.5, 2x2) must start at non-negative integer x and y'],
    [{ x: 0, y: 0, width: 0, height: 2 }, 'region #0 (x 0, y 0, 0x2) must have a positive integer width and height'],
  ])('rejects the invalid region %j', (region, message) => {
    expect(coverageError(4, 4, [region]).message).toBe(message);
  });

  it('rejects an invalid frame and an empty list', () => {
    expect(coverageError(0, 4, []).message).toBe('frame size must be positive integers, got 0x4');
    expect(coverageError(2, 2, []).message).toBe('regions leave 4 pixels of the 2x2 frame uncovered, first at pixel (0, 0)');
  });

  it('handles a tall column of thousands of tiles quickly', () => {
    const regions = planTiles(4, 20_000, 1, 20_000);
    const started = Date.now();
    checkCoverage(4, 20_000, regions);
    expect(() => checkCoverage(4, 20_000, regions.slice(1))).toThrow('first at pixel (0, 0)');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('agrees with a pixel count on damaged tilings, and names the right first pixel', () => {
    const small = fc.integer({ min: 1, max: 24 });
    const damaged = fc
      .tuple(small, small)
      .chain(([w, h]) => fc.tuple(fc.constant(w), fc.constant(h), fc.integer({ min: 1, max: w }), fc.integer({ min: 1, max: h })))
      .chain(([w, h, cols, rows]) => {
        const regions = planTiles(w, h, cols, rows);
        const edit = fc.record({
          index: fc.integer({ min: 0, max: regions.length - 1 }),
          kind: fc.constantFrom('drop', 'shift', 'grow', 'shrink', 'duplicate', 'none'),
          dx: fc.integer({ min: -2, max: 2 }),
          dy: fc.integer({ min: -2, max: 2 }),
        });
        return fc.tuple(fc.constant(w), fc.constant(h), fc.constant(regions), fc.array(edit, { maxLength: 3 }));
      });
    fc.assert(
      fc.property(damaged, ([width, height, plan, edits]) => {
        let regions: Region[] = plan.map((r) => ({ ...r }));
        for (const { index, kind, dx, dy } of edits) {
          const i = index % Math.max(regions.length, 1);
          const r = regions[i];
          if (!r) continue;
          if (kind === 'drop') regions = regions.filter((_, j) => j !== i);
          if (kind === 'shift') regions[i] = { ...r, x: Math.max(0, r.x + dx), y: Math.max(0, r.y + dy) };
          if (kind === 'grow') regions[i] = { ...r, width: r.width + Math.abs(dx), height: r.height + Math.abs(dy) };
          if (kind === 'shrink') regions[i] = { ...r, width: Math.max(1, r.width - Math.abs(dx)), height: Math.max(1, r.height - Math.abs(dy)) };
          if (kind === 'duplicate') regions.push({ ...r });
        }
        const hits = hitsOf(width, height, regions);
        const outside = regions.some((r) => r.x + r.width > width || r.y + r.height > height);
        const overlapAt = hits.findIndex((n) => n > 1);
        const gapAt = hits.findIndex((n) => n === 0);
        let problem: CoverageError['problem'] | undefined;
        try {
          checkCoverage(width, height, regions);
        } catch (error) {
          problem = (error as CoverageError).problem;
        }
        if (outside) return expect(problem?.kind).toBe('out-of-bounds');
        if (overlapAt >= 0) {
          expect(problem?.kind).toBe('overlap');
          const { pixel, regions: pair } = problem as Extract<CoverageError['problem'], { kind: 'overlap' }>;
          expect(pixel.y * width + pixel.x).toBe(overlapAt);
          expect(pair[0]).toBeLessThan(pair[1]);
          return;
        }
        if (gapAt >= 0) return expect(problem).toEqual({ kind: 'gap', pixel: { x: gapAt % width, y: Math.floor(gapAt / width) } });
        expect(problem).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});

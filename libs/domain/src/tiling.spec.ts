import fc from 'fast-check';
import { checkCoverage } from './coverage';
import { TilingError } from './errors';
import { autoTiling, formatTiling, MAX_GRID, parseTiling, planTiles, resolveTiling } from './tiling';

const PRIMES = [2, 3, 5, 7, 13, 31, 127, 1009, 1999, 2003, 4093, 4999];

/** Frame edges from 1 to 5000, primes over-represented: they are where remainders bite. */
const size = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(...PRIMES), fc.integer({ min: 1, max: 8 }));

/** A frame and a grid that fits it, capped at 20,000 tiles so a run stays fast. */
const frameAndGrid = fc
  .tuple(size, size)
  .chain(([width, height]) => fc.tuple(fc.constant(width), fc.constant(height), fc.integer({ min: 1, max: width })))
  .chain(([width, height, cols]) =>
    fc.tuple(
      fc.constant(width),
      fc.constant(height),
      fc.constant(cols),
      fc.integer({ min: 1, max: Math.min(height, Math.max(1, Math.floor(20_000 / cols))) }),
    ),
  );

describe('planTiles', () => {
  it('tiles any frame row by row: exact edges, no gap, no overlap, widths within one pixel', () => {
    fc.assert(
      fc.property(frameAndGrid, ([width, height, cols, rows]) => {
        const regions = planTiles(width, height, cols, rows);
        expect(regions).toHaveLength(cols * rows);
        // Plain checks in the loops: expect() per tile would make 50,000-tile grids crawl.
        let y = 0;
        for (let r = 0; r < rows; r++) {
          const row = regions.slice(r * cols, (r + 1) * cols);
          let x = 0;
          let narrowest = Infinity;
          let widest = 0;
          for (const region of row) {
            if (region.x !== x || region.y !== y || region.height !== row[0].height) {
              throw new Error(`row ${r}: ${JSON.stringify(region)} does not follow x ${x}, y ${y}`);
            }
            x += region.width;
            narrowest = Math.min(narrowest, region.width);
            widest = Math.max(widest, region.width);
          }
          if (x !== width) throw new Error(`row ${r} ends at ${x}, not ${width}`);
          if (widest - narrowest > 1) throw new Error(`row ${r} has widths ${narrowest}..${widest}`);
          if (row[0].height < 1 || narrowest < 1) throw new Error(`row ${r} has an empty tile`);
          y += row[0].height;
        }
        expect(y).toBe(height);
        expect(regions.reduce((sum, region) => sum + region.width * region.height, 0)).toBe(width * height);
        checkCoverage(width, height, regions);
      }),
      { numRuns: 200 },
    );
  });

  it('covers every pixel of small frames exactly once (pixel by pixel)', () => {
    const small = fc.integer({ min: 1, max: 40 });
    fc.assert(
      fc.property(
        fc.tuple(small, small).chain(([w, h]) =>
          fc.tuple(fc.constant(w), fc.constant(h), fc.integer({ min: 1, max: w }), fc.integer({ min: 1, max: h })),
        ),
        ([width, height, cols, rows]) => {
          const hits = new Uint8Array(width * height);
          for (const r of planTiles(width, height, cols, rows)) {
            expect(r.width).toBeGreaterThanOrEqual(1);
            expect(r.height).toBeGreaterThanOrEqual(1);
            for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) hits[y * width + x]++;
          }
          expect(hits.every((n) => n === 1)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('spreads the remainder: edges at floor(i * W / cols)', () => {
    expect(planTiles(10, 1, 3, 1).map((r) => [r.x, r.width])).toEqual([
      [0, 3],
      [3, 3],
      [6, 4],
    ]);
    expect(planTiles(7, 5, 2, 2)).toEqual([
      { x: 0, y: 0, width: 3, height: 2 },
      { x: 3, y: 0, width: 4, height: 2 },
      { x: 0, y: 2, width: 3, height: 3 },
      { x: 3, y: 2, width: 4, height: 3 },
    ]);
  });

  it('tiles a 1x1 pixel frame as one tile', () => {
    expect(planTiles(1, 1, 1, 1)).toEqual([{ x: 0, y: 0, width: 1, height: 1 }]);
  });

  it('gives one-pixel tiles when there are exactly as many tiles as pixels', () => {
    const regions = planTiles(3, 2, 3, 2);
    expect(regions.every((r) => r.width === 1 && r.height === 1)).toBe(true);
    expect(regions.map((r) => [r.x, r.y])).toEqual([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]]);
  });

  it.each([
    [4, 10, 5, 1, 'tiling 5x1 needs at least 5 pixels of width; the frame is 4 wide'],
    [10, 2, 1, 3, 'tiling 1x3 needs at least 3 pixels of height; the frame is 2 high'],
    [1, 1, 2, 2, 'tiling 2x2 needs at least 2 pixels of width; the frame is 1 wide'],
    [10, 10, 0, 1, 'tiling: columns must be a positive integer, got 0'],
    [10, 10, 1, -2, 'tiling: rows must be a positive integer, got -2'],
    [10, 10, 1.5, 1, 'tiling: columns must be a positive integer, got 1.5'],
    [0, 10, 1, 1, 'tiling: frame width must be a positive integer, got 0'],
    [10, NaN, 1, 1, 'tiling: frame height must be a positive integer, got NaN'],
  ])('rejects a %ix%i frame in %ix%i tiles', (width, height, cols, rows, message) => {
    expect(() => planTiles(width, height, cols, rows)).toThrow(new TilingError(message));
  });
});

describe('autoTiling', () => {
  it.each([
    [1920, 1080, 8, 4],
    [3840, 2160, 15, 8],
    [7680, 4320, 16, 16],
    [1280, 720, 5, 3],
    [320, 180, 1, 1],
    [1, 1, 1, 1],
    [100000, 3, 16, 1],
  ])('tiles %ix%i as %ix%i', (width, height, cols, rows) => {
    expect(autoTiling(width, height)).toEqual({ cols, rows });
  });

  it('always gives a grid that planTiles accepts, within 1x1..16x16', () => {
    fc.assert(
      fc.property(size, size, (width, height) => {
        const { cols, rows } = autoTiling(width, height);
        expect(cols).toBeGreaterThanOrEqual(1);
        expect(rows).toBeGreaterThanOrEqual(1);
        expect(cols).toBeLessThanOrEqual(16);
        expect(rows).toBeLessThanOrEqual(16);
        expect(() => planTiles(width, height, cols, rows)).not.toThrow();
      }),
    );
  });

  it('follows its options', () => {
    expect(autoTiling(1920, 1080, { targetTileSize: 64, maxGrid: 32 })).toEqual({ cols: 30, rows: 17 });
    expect(() => autoTiling(100, 100, { targetTileSize: 0 })).toThrow(TilingError);
  });
});

describe('parseTiling', () => {
  it.each([
    ['auto', { kind: 'auto' }],
    [' AUTO ', { kind: 'auto' }],
    ['4x3', { kind: 'grid', cols: 4, rows: 3 }],
    ['16 X 9', { kind: 'grid', cols: 16, rows: 9 }],
    ['1x1', { kind: 'grid', cols: 1, rows: 1 }],
    ['64x64', { kind: 'grid', cols: 64, rows: 64 }],
  ])('reads %j', (text, tiling) => {
    expect(parseTiling(text)).toEqual(tiling);
  });

  it.each([
    ['4by3', 'tiling: "4by3" is not "auto" or "<cols>x<rows>" (e.g. "4x3")'],
    ['', 'tiling: "" is not "auto" or "<cols>x<rows>" (e.g. "4x3")'],
    ['4x', 'tiling: "4x" is not "auto" or "<cols>x<rows>" (e.g. "4x3")'],
    ['-1x3', 'tiling: "-1x3" is not "auto" or "<cols>x<rows>" (e.g. "4x3")'],
    ['0x3', 'tiling: "0x3" needs at least one column and one row'],
    ['65x1', `tiling: "65x1" is larger than ${MAX_GRID}x${MAX_GRID}`],
  ])('rejects %j', (text, message) => {
    expect(() => parseTiling(text)).toThrow(new TilingError(message));
  });

  it('formats what it reads', () => {
    for (const text of ['auto', '4x3', '1x64']) expect(formatTiling(parseTiling(text))).toBe(text);
  });
});

describe('resolveTiling', () => {
  it('resolves auto per frame size and checks fixed grids against it', () => {
    expect(resolveTiling({ kind: 'auto' }, 1920, 1080)).toEqual({ cols: 8, rows: 4 });
    expect(resolveTiling({ kind: 'grid', cols: 4, rows: 3 }, 1920, 1080)).toEqual({ cols: 4, rows: 3 });
    expect(() => resolveTiling({ kind: 'grid', cols: 5, rows: 1 }, 4, 4)).toThrow(
      'tiling 5x1 needs at least 5 pixels of width; the frame is 4 wide',
    );
  });
});

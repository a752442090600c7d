import type { Region } from '@tessera/contracts';
import fc from 'fast-check';
import { InvariantViolationError } from '../errors';
import { DEFAULT_CHECK_POLICY } from './check-policy';
import { choosePatches, patchOverlapProbability } from './patches';
import { SeededRandom } from './random-source';

const area = (regions: Region[]) => regions.reduce((sum, r) => sum + r.width * r.height, 0);
const overlaps = (a: Region, b: Region) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const anyOverlap = (regions: Region[]) => regions.some((a, i) => regions.slice(i + 1).some((b) => overlaps(a, b)));

const policy = fc.record({
  patches: fc.integer({ min: 1, max: 8 }),
  patchArea: fc.oneof(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.constant(1)),
});
const tile = fc.record({
  width: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 8 })),
  height: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 8 })),
  x: fc.integer({ min: 0, max: 10_000 }),
  y: fc.integer({ min: 0, max: 10_000 }),
});

describe('choosePatches', () => {
  it('gives integer rectangles inside the tile, as many as asked, or the tile itself when patches cannot be smaller', () => {
    fc.assert(
      fc.property(tile, policy, fc.integer(), (t, p, seed) => {
        const patches = choosePatches(t, p, new SeededRandom(seed));
        const whole = p.patchArea >= 1 || t.width * t.height <= p.patches;
        expect(patches).toHaveLength(whole ? 1 : p.patches);
        if (whole) expect(patches).toEqual([{ x: t.x, y: t.y, width: t.width, height: t.height }]);
        for (const r of patches) {
          for (const v of [r.x, r.y, r.width, r.height]) expect(Number.isSafeInteger(v)).toBe(true);
          expect(r.width).toBeGreaterThanOrEqual(1);
          expect(r.height).toBeGreaterThanOrEqual(1);
          expect(r.x).toBeGreaterThanOrEqual(t.x);
          expect(r.y).toBeGreaterThanOrEqual(t.y);
          expect(r.x + r.width).toBeLessThanOrEqual(t.x + t.width);
          expect(r.y + r.height).toBeLessThanOrEqual(t.y + t.height);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('misses the target area by at most half a row or column per patch', () => {
    // Each patch's height is fitted first, then its width to the height: |w h - a| <= h / 2 unless a side is clamped.
    const roomy = fc.record({ width: fc.integer({ min: 16, max: 4096 }), height: fc.integer({ min: 16, max: 4096 }) });
    fc.assert(
      fc.property(roomy, policy, fc.integer(), (t, p, seed) => {
        fc.pre(p.patchArea < 1);
        const target = (p.patchArea * t.width * t.height) / p.patches;
        const [first] = choosePatches(t, p, new SeededRandom(seed));
        fc.pre(first.width < t.width && first.height < t.height && target >= 1);
        expect(Math.abs(first.width * first.height - target)).toBeLessThanOrEqual(first.height / 2 + 1e-9);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    [256, 256],
    [240, 270],
    [480, 270],
    [64, 64],
    [1000, 8],
  ])('covers about 20%% of a %ix%i tile with the default three patches, clear of each other', (width, height) => {
    for (let seed = 0; seed < 300; seed++) {
      const patches = choosePatches({ width, height }, DEFAULT_CHECK_POLICY, new SeededRandom(seed));
      const covered = area(patches) / (width * height);
      if (Math.abs(covered - 0.2) > 0.2 * 0.05) throw new Error(`seed ${seed}: covers ${covered}`);
      if (anyOverlap(patches)) throw new Error(`seed ${seed}: overlapping patches ${JSON.stringify(patches)}`);
    }
  });

  it('draws the same patches from the same seed, other patches from other seeds', () => {
    const at = (seed: number) => choosePatches({ width: 256, height: 256 }, DEFAULT_CHECK_POLICY, new SeededRandom(seed));
    expect(at(5)).toEqual(at(5));
    const distinct = new Set(Array.from({ length: 50 }, (_, seed) => JSON.stringify(at(seed))));
    expect(distinct.size).toBe(50);
  });

  it('covers every pixel, corners included, at least about as often as a central pixel', () => {
    // Patch 17 x 12 on a 64 x 48 tile: every pixel is covered by one patch with probability at least
    // 17/80 * 12/59 = 0.043, so at least 52 times in 1,200 patches; a uniform origin would give the corner 1.
    const width = 64;
    const height = 48;
    const hits = new Uint32Array(width * height);
    const random = new SeededRandom(3);
    for (let i = 0; i < 400; i++) {
      for (const r of choosePatches({ width, height }, DEFAULT_CHECK_POLICY, random)) {
        expect([r.width, r.height]).toEqual([17, 12]);
        for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) hits[y * width + x]++;
      }
    }
    expect(Math.min(...hits)).toBeGreaterThan(30);
    expect(hits[0]).toBeGreaterThan(30);
  });

  it('returns overlapping patches rather than looping when they cannot fit apart', () => {
    const patches = choosePatches({ width: 10, height: 10 }, { patches: 3, patchArea: 0.9 }, new SeededRandom(1));
    expect(patches).toHaveLength(3);
    expect(anyOverlap(patches)).toBe(true);
  });

  it.each([
    [{ width: 0, height: 10 }],
    [{ width: 10, height: 2.5 }],
    [{ width: 10, height: 10, x: -1 }],
  ])('refuses a tile that is not a tile: %j', (t) => {
    expect(() => choosePatches(t, DEFAULT_CHECK_POLICY, new SeededRandom(1))).toThrow(InvariantViolationError);
  });
});

describe('patchOverlapProbability', () => {
  it('always sees a fake that covers the whole tile', () => {
    const t = { width: 256, height: 256 };
    expect(patchOverlapProbability(t, { x: 0, y: 0, ...t }, DEFAULT_CHECK_POLICY, new SeededRandom(1), 200)).toBe(1);
  });

  it('sees a faked corner about as often as the same fake in the middle', () => {
    // A 26-pixel square is hit by one 66-pixel patch with probability at least (26+65)/(256+65) per axis, 8%;
    // three patches, kept apart, about 22% (the exact figure depends on the rejection of overlaps).
    const t = { width: 256, height: 256 };
    const estimate = (fake: Region) => patchOverlapProbability(t, fake, DEFAULT_CHECK_POLICY, new SeededRandom(2), 4_000);
    const corner = estimate({ x: 0, y: 0, width: 26, height: 26 });
    const middle = estimate({ x: 115, y: 115, width: 26, height: 26 });
    expect(corner).toBeGreaterThan(0.2);
    expect(middle).toBeGreaterThan(0.2);
    expect(middle).toBeLessThan(0.35);
  });
});

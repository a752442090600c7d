import { combine, hash32, sampleKey, seedKey, uniform } from './rng';

describe('rng', () => {
  it('is a pure function of its inputs', () => {
    const key = sampleKey(seedKey(42, 7), 13, 21, 3);
    expect(sampleKey(seedKey(42, 7), 13, 21, 3)).toBe(key);
    expect([0, 1, 2, 99].map((d) => uniform(key, d))).toEqual([0, 1, 2, 99].map((d) => uniform(key, d)));
  });

  it('pins known values, so an accidental change to the streams fails loudly', () => {
    // If this changes on purpose, bump BUILTIN_RENDERER_VERSION: every rendered pixel changes with it.
    expect(hash32(1)).toBe(0x688990c0);
    expect(hash32(0xdeadbeef)).toBe(0xe628c683);
    expect(combine(1, 2)).toBe(0xa7bd535e);
    const key = sampleKey(seedKey(1, 1), 0, 0, 0);
    expect(key).toBe(0x43dccc16);
    expect(uniform(key, 0)).toBe(0.7079629302024841);
  });

  it('separates every coordinate of a sample', () => {
    const base = [42, 7, 13, 21, 3];
    const keyOf = ([seed, frame, x, y, s]: number[]): number => sampleKey(seedKey(seed, frame), x, y, s);
    const keys = new Set([keyOf(base)]);
    for (let i = 0; i < base.length; i++) {
      const changed = [...base];
      changed[i] += 1;
      keys.add(keyOf(changed));
    }
    expect(keys.size).toBe(6);
    // Swapping x and y must not give the same stream either.
    expect(keyOf([1, 1, 5, 9, 0])).not.toBe(keyOf([1, 1, 9, 5, 0]));
  });

  it('folds seeds above 2^32 and negative seeds into distinct keys', () => {
    const keys = [0, 1, -1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER].map((s) => seedKey(s, 1));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('draws uniform numbers in [0, 1) with a flat histogram', () => {
    const bins = new Array(16).fill(0);
    let sum = 0;
    let min = 1;
    let max = 0;
    const n = 64_000;
    for (let i = 0; i < n; i++) {
      const u = uniform(sampleKey(seedKey(3, 1), i % 97, Math.floor(i / 97), 0), i & 7);
      min = Math.min(min, u);
      max = Math.max(max, u);
      bins[Math.floor(u * 16)]++;
      sum += u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const count of bins) expect(Math.abs(count - n / 16) / (n / 16)).toBeLessThan(0.06);
  });
});

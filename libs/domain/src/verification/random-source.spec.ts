import { InvariantViolationError } from '../errors';
import { draw, drawInteger, SeededRandom, type RandomSource } from './random-source';

const take = (random: RandomSource, n: number) => Array.from({ length: n }, () => random.next());

describe(SeededRandom.name, () => {
  it('repeats its sequence for the same seed', () => {
    expect(take(new SeededRandom(42), 100)).toEqual(take(new SeededRandom(42), 100));
  });

  it('gives other sequences for other seeds, including seeds that differ only above 2^32', () => {
    const first = take(new SeededRandom(1), 8);
    expect(take(new SeededRandom(2), 8)).not.toEqual(first);
    expect(take(new SeededRandom(1 + 2 ** 32), 8)).not.toEqual(first);
    expect(take(new SeededRandom(-1), 8)).not.toEqual(take(new SeededRandom(2 ** 32 - 1), 8));
  });

  it('draws uniformly from [0, 1)', () => {
    const values = take(new SeededRandom(7), 100_000);
    const buckets = new Array<number>(10).fill(0);
    for (const value of values) {
      if (!(value >= 0 && value < 1)) throw new Error(`out of range: ${value}`);
      buckets[Math.floor(value * 10)]++;
    }
    // 10,000 expected per bucket, standard deviation about 95: 500 is over 5 sigma.
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('refuses a seed that is not a safe integer', () => {
    expect(() => new SeededRandom(0.5)).toThrow(InvariantViolationError);
    expect(() => new SeededRandom(Number.NaN)).toThrow(InvariantViolationError);
  });
});

describe('draw', () => {
  it.each([1, 1.5, -0.01, Number.NaN])('refuses a source that returns %p, which would switch checks off', (value) => {
    expect(() => draw({ next: () => value })).toThrow(InvariantViolationError);
  });

  it('scales to integers in [0, n)', () => {
    expect(drawInteger({ next: () => 0 }, 5)).toBe(0);
    expect(drawInteger({ next: () => 0.999999999 }, 5)).toBe(4);
    expect(drawInteger({ next: () => 0.5 }, 1)).toBe(0);
  });
});

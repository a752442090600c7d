/**
 * Counter-based random numbers. A sample's random stream is a pure function of (seed, frame, x, y,
 * sample, dimension): nothing is carried from one pixel to the next, so a tile renders the same pixels
 * as the same region of a full frame whatever the tile size or order. Everything is 32-bit integer
 * arithmetic (Math.imul, shifts), which is exact on every platform.
 */

const GOLDEN = 0x9e3779b9;
const TWO_POW_32 = 4294967296;
const INV_TWO_POW_24 = 1 / 16777216;

/** Chris Wellons' "lowbias32" integer finalizer: a bijection on uint32 with low bias. */
export function hash32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Folds a 32-bit word into a running hash (boost::hash_combine shape, then finalized). */
export function combine(hash: number, word: number): number {
  return hash32(hash ^ ((word >>> 0) + GOLDEN + (hash << 6) + (hash >>> 2)));
}

/**
 * The seed of a whole render: any safe integer (negative included) is folded in by its low and high
 * 32-bit words so that seeds above 2^32 still differ.
 */
export function seedKey(seed: number, frame: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  return combine(combine(combine(0x5e55e7a, low), high), frame | 0);
}

/** The key of one sample of one pixel; `renderKey` comes from seedKey. */
export function sampleKey(renderKey: number, x: number, y: number, sample: number): number {
  return combine(combine(combine(renderKey, x), y), sample);
}

/** The `dimension`-th uniform number in [0, 1) of a sample, with 24 bits of resolution. */
export function uniform(key: number, dimension: number): number {
  return (hash32(key + Math.imul(dimension + 1, GOLDEN)) >>> 8) * INV_TWO_POW_24;
}

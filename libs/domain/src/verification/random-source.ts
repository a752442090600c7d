import { InvariantViolationError } from '../errors';

/**
 * Where the spot-check policy gets its randomness. Production injects a CSPRNG (node:crypto behind this
 * class, in the coordinator) so that a worker cannot predict which results are checked; tests and the
 * simulation inject SeededRandom so that a run can be repeated exactly. An abstract class rather than an
 * interface so that it can be a Nest injection token, like Clock; any object with `next()` fits the type.
 */
export abstract class RandomSource {
  /** A uniform number in [0, 1). */
  abstract next(): number;
}

const GOLDEN = 0x9e3779b9;
const TWO_POW_32 = 4294967296;
/**
 * Taken once: jest runs modules in a vm context where every global lookup (`Math`) goes through an
 * interceptor, which made the simulation's PRNG 100x slower under test than under node.
 */
const imul = Math.imul;

/**
 * splitmix32: a 32-bit counter stepped by the golden ratio, put through the murmur3 finalizer. Fast,
 * passes the usual statistical batteries for simulation use, and exact on every platform because it is
 * all 32-bit integer arithmetic (Math.imul, shifts). Predictable, so never for production decisions.
 */
export class SeededRandom extends RandomSource {
  private state: number;

  /** Any safe integer; its low and high 32-bit words both count, so seeds above 2^32 still differ. */
  constructor(seed: number) {
    super();
    if (!Number.isSafeInteger(seed)) {
      throw new InvariantViolationError(`SeededRandom: seed must be a safe integer, got ${seed}`);
    }
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    this.state = (low ^ imul(high, 0x85ebca6b)) | 0;
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** The raw 32-bit output, for callers that want an integer. */
  nextUint32(): number {
    this.state = (this.state + GOLDEN) | 0;
    let z = this.state;
    z = imul(z ^ (z >>> 16), 0x85ebca6b);
    z = imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
}

/**
 * One draw from a source, refused unless it lies in [0, 1). A broken source that returned 1 (or NaN) for
 * every draw would silently switch spot-checks off (`draw < q` never holds), which is exactly the failure
 * nobody notices: better to stop.
 */
export function draw(random: RandomSource): number {
  const value = random.next();
  if (!(value >= 0 && value < 1)) {
    throw new InvariantViolationError(`random source returned ${value}, outside [0, 1)`);
  }
  return value;
}

/** An integer in [0, n): the floor of a uniform draw scaled by n (n up to 2^32, far above any tile edge). */
export function drawInteger(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(draw(random) * n));
}

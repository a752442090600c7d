import { randomInt } from 'node:crypto';
import { RandomSource } from '@tessera/domain';

const RANGE = 2 ** 48 - 1;

/**
 * The coordinator's randomness for spot-checks: node's CSPRNG, so no worker can predict which of its results
 * are checked, or where the patches fall. 48 random bits per draw, uniform in [0, 1).
 */
export class CryptoRandom extends RandomSource {
  next(): number {
    return randomInt(0, RANGE) / RANGE;
  }
}

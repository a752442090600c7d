import { DomainError } from '../errors';

/**
 * A spot-check policy or a simulation asked for something that makes no sense: a floor above 1, a patch
 * area of zero, a negative number of trials... It names the field, because these values come from
 * configuration and an operator has to find the one they mistyped.
 */
export class VerificationPolicyError extends DomainError {
  readonly code = 'invalid_verification_policy';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Throws VerificationPolicyError unless `value` is an integer in [min, max]. */
export function requireInteger(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new VerificationPolicyError(field, `must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/**
 * Throws VerificationPolicyError unless `value` is a finite number in [min, max] (or (min, max] with
 * `exclusiveMin`: a floor or a patch area of exactly 0 would switch checking off without saying so).
 */
export function requireFraction(field: string, value: number, min: number, max: number, exclusiveMin = false): void {
  const aboveMin = exclusiveMin ? value > min : value >= min;
  if (!Number.isFinite(value) || !aboveMin || value > max) {
    const range = `${exclusiveMin ? '(' : '['}${min}, ${max}]`;
    throw new VerificationPolicyError(field, `must be a number in ${range}, got ${value}`);
  }
}

import { PricingError } from './credit.errors';

/**
 * Money is an integer count of micro-credits (1 credit = 1,000,000 micro-credits), held in a plain
 * `number`. A number is exact up to 2^53 - 1, about 9 billion credits: far beyond any balance this farm
 * will hold, and it keeps amounts JSON-friendly on the wire. Every amount that enters the domain is checked
 * with `assertMicrocredits`, and the few products that could pass 2^53 on the way (pixels x samples x
 * rate) are computed in BigInt and checked on the way back.
 */
export type Microcredits = number;

export const MICROCREDITS_PER_CREDIT = 1_000_000;
const DECIMALS = 6;

/** Throws PricingError unless `value` is a safe integer (and not negative, unless `signed`). */
export function assertMicrocredits(value: number, what: string, options: { signed?: boolean } = {}): Microcredits {
  if (!Number.isSafeInteger(value)) {
    throw new PricingError(`${what} must be a whole number of micro-credits within ±2^53, got ${value}`);
  }
  if (!options.signed && value < 0) throw new PricingError(`${what} must not be negative, got ${value}`);
  return value;
}

/** A BigInt result back to a number, refusing what a number cannot hold exactly. */
export function exactMicrocredits(value: bigint, what: string): Microcredits {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PricingError(`${what} is ${value} micro-credits: too large to account for exactly`);
  }
  return Number(value);
}

/**
 * Reads an amount from the database: PostgreSQL returns BIGINT and SUM(...) as strings, SQLite as numbers,
 * and an empty SUM is NULL (zero). Anything that is not an exact integer is a corrupt ledger, not a zero.
 */
export function readMicrocredits(value: unknown, what = 'amount'): Microcredits {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'bigint') return exactMicrocredits(value, what);
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number') throw new PricingError(`${what}: ${JSON.stringify(value)} is not a number of micro-credits`);
  return assertMicrocredits(parsed, what, { signed: true });
}

/** 1200000 -> "1.200000": always six decimals, so amounts line up and never look like floats. */
export function formatCredits(amount: Microcredits): string {
  assertMicrocredits(amount, 'amount', { signed: true });
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const whole = Math.floor(abs / MICROCREDITS_PER_CREDIT);
  const fraction = String(abs % MICROCREDITS_PER_CREDIT).padStart(DECIMALS, '0');
  return `${sign}${whole}.${fraction}`;
}

/**
 * Reads credits as people type them ("100", "2.5", "0.000001") into micro-credits, exactly: the text is
 * split at the point rather than parsed as a float, and more than six decimals is refused, not rounded.
 */
export function parseCredits(text: string): Microcredits {
  const match = /^\s*(-?)(\d+)(?:\.(\d{1,6}))?\s*$/.exec(text);
  if (!match) {
    throw new PricingError(`credits: ${JSON.stringify(text)} is not an amount such as "100" or "2.5" (at most 6 decimals)`);
  }
  const [, sign, whole, fraction = ''] = match;
  const micro = BigInt(whole) * BigInt(MICROCREDITS_PER_CREDIT) + BigInt(fraction.padEnd(DECIMALS, '0'));
  return exactMicrocredits(sign === '-' ? -micro : micro, `credits ${text.trim()}`);
}

import fc from 'fast-check';
import { DomainError } from '../errors';
import {
  EscrowExistsError,
  EscrowNotFoundError,
  InsufficientCreditsError,
  JobSettledError,
  NegativeBalanceError,
  PricingError,
  UnbalancedTransactionError,
  UnknownAccountError,
} from './credit.errors';
import { assertMicrocredits, formatCredits, parseCredits, readMicrocredits } from './money';

describe('money', () => {
  describe('formatCredits', () => {
    it.each([
      [0, '0.000000'],
      [1, '0.000001'],
      [1_200_000, '1.200000'],
      [-3_800_000, '-3.800000'],
      [Number.MAX_SAFE_INTEGER, '9007199254.740991'],
    ])('%d micro-credits -> %s', (amount, text) => {
      expect(formatCredits(amount)).toBe(text);
    });
  });

  describe('parseCredits', () => {
    it.each([
      ['100', 100_000_000],
      ['2.5', 2_500_000],
      [' 0.000001 ', 1],
      ['-1.2', -1_200_000],
    ])('%j -> %d micro-credits', (text, amount) => {
      expect(parseCredits(text)).toBe(amount);
    });

    it.each(['', '1.0000001', '1e6', '0x10', '1,5', 'ten', '99999999999'])('refuses %j', (text) => {
      expect(() => parseCredits(text)).toThrow(PricingError);
    });

    it('reads back what formatCredits writes, for every amount', () => {
      fc.assert(
        fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (amount) => {
          expect(parseCredits(formatCredits(amount))).toBe(amount);
        }),
      );
    });
  });

  describe('readMicrocredits', () => {
    it('reads database values: PostgreSQL strings, SQLite numbers, NULL sums', () => {
      expect(readMicrocredits('-42')).toBe(-42);
      expect(readMicrocredits(42)).toBe(42);
      expect(readMicrocredits(null)).toBe(0);
      expect(readMicrocredits(7n)).toBe(7);
    });

    it('refuses what is not an exact integer instead of reading it as zero', () => {
      expect(() => readMicrocredits('1.5')).toThrow(PricingError);
      expect(() => readMicrocredits('9007199254740993')).toThrow(PricingError);
      expect(() => readMicrocredits({})).toThrow(PricingError);
    });
  });

  it('assertMicrocredits refuses fractions, unsafe integers and (unless signed) negatives', () => {
    expect(() => assertMicrocredits(0.5, 'x')).toThrow('x must be a whole number');
    expect(() => assertMicrocredits(2 ** 53, 'x')).toThrow(PricingError);
    expect(() => assertMicrocredits(-1, 'x')).toThrow('x must not be negative');
    expect(assertMicrocredits(-1, 'x', { signed: true })).toBe(-1);
  });
});

describe('credit errors', () => {
  it('InsufficientCreditsError says what there is, what it takes and what is missing', () => {
    const error = new InsufficientCreditsError('artist-1', 1_200_000, 5_000_000);
    expect(error.message).toBe('balance 1.200000 credits, the estimate is 5.000000 credits: 3.800000 credits missing');
    expect(error).toMatchObject({ code: 'insufficient_credits', accountId: 'artist-1', balance: 1_200_000, required: 5_000_000, missing: 3_800_000 });
  });

  it.each([
    [new PricingError('x'), 'invalid_pricing'],
    [new InsufficientCreditsError('a', 0, 1), 'insufficient_credits'],
    [new UnbalancedTransactionError('x'), 'unbalanced_transaction'],
    [new NegativeBalanceError('a', 'escrow', 'job-1', -1), 'negative_balance'],
    [new UnknownAccountError('a'), 'unknown_account'],
    [new EscrowExistsError('job-1'), 'escrow_exists'],
    [new EscrowNotFoundError('job-1'), 'escrow_not_found'],
    [new JobSettledError('job-1'), 'job_settled'],
  ])('%s is a DomainError with code %s', (error, code) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
  });

  it('UnknownAccountError says whether the account is missing or only cannot take part', () => {
    expect(new UnknownAccountError('a').message).toBe('no account a');
    expect(new UnknownAccountError('system:mint', 'the mint cannot be credited').message).toBe('account system:mint: the mint cannot be credited');
  });

  it('NegativeBalanceError names the account, the pocket and the job', () => {
    expect(new NegativeBalanceError('a', 'escrow', 'job-1', -5).message).toBe(
      'account a: escrow of job job-1 would be -0.000005 credits; only the mint may go below zero',
    );
  });
});

import fc from 'fast-check';
import { UnbalancedTransactionError } from './credit.errors';
import {
  checkDraft,
  creditPosting,
  escrowPosting,
  FEES_ACCOUNT_ID,
  forfeitPosting,
  MINT_ACCOUNT_ID,
  refundPosting,
  releasePosting,
  tilePaymentPosting,
  verificationPaymentPosting,
  type EntryDraft,
  type PaymentTerms,
} from './ledger-postings';

const terms = (price: number, feeBasisPoints = 1_000): PaymentTerms => ({
  artistId: 'artist', jobId: 'job', tileId: 'tile', attemptId: 'attempt', operatorId: 'operator', price, feeBasisPoints,
});

const amountOf = (entries: EntryDraft[], accountId: string, pocket: EntryDraft['pocket']) =>
  entries.filter((e) => e.accountId === accountId && e.pocket === pocket).reduce((sum, e) => sum + e.amount, 0);

describe('ledger postings', () => {
  describe('checkDraft', () => {
    it('refuses entries that do not sum to zero', () => {
      const draft = { kind: 'correction' as const, memo: 'x', entries: [{ accountId: 'a', pocket: 'available' as const, jobId: null, amount: 5 }] };
      expect(() => checkDraft(draft)).toThrow(new UnbalancedTransactionError('correction: entries sum to 5 micro-credits, not 0'));
    });

    it('refuses fractional amounts and pockets keyed wrongly', () => {
      const entry = (amount: number, pocket: EntryDraft['pocket'], jobId: string | null): EntryDraft => ({ accountId: 'a', pocket, jobId, amount });
      expect(() => checkDraft({ kind: 'correction', memo: '', entries: [entry(0.5, 'available', null), entry(-0.5, 'available', null)] })).toThrow(
        'not a whole number',
      );
      expect(() => checkDraft({ kind: 'correction', memo: '', entries: [entry(1, 'escrow', null), entry(-1, 'available', null)] })).toThrow(
        'the escrow pocket of a needs a job',
      );
      expect(() => checkDraft({ kind: 'correction', memo: '', entries: [entry(1, 'available', 'job'), entry(-1, 'available', null)] })).toThrow(
        'the available pocket of a has no job',
      );
    });

    it('drops zero entries: a zero-price tile is a transaction with nothing in it', () => {
      expect(checkDraft(tilePaymentPosting(terms(0)))).toEqual([]);
    });
  });

  it('a credit is minted', () => {
    const entries = checkDraft(creditPosting('artist', 7, 'welcome'));
    expect(amountOf(entries, MINT_ACCOUNT_ID, 'available')).toBe(-7);
    expect(amountOf(entries, 'artist', 'available')).toBe(7);
  });

  it('an escrow moves the estimate into the job\'s escrow and allowance pockets of the artist\'s own account', () => {
    const entries = checkDraft(escrowPosting('artist', 'job', 100, 10));
    expect(entries).toEqual([
      { accountId: 'artist', pocket: 'available', jobId: null, amount: -110 },
      { accountId: 'artist', pocket: 'escrow', jobId: 'job', amount: 100 },
      { accountId: 'artist', pocket: 'allowance', jobId: 'job', amount: 10 },
    ]);
  });

  it('a tile payment takes its price from escrow and splits it between operator and platform, both pending', () => {
    const entries = checkDraft(tilePaymentPosting(terms(33_178)));
    expect(amountOf(entries, 'artist', 'escrow')).toBe(-33_178);
    expect(amountOf(entries, 'operator', 'pending')).toBe(29_861);
    expect(amountOf(entries, FEES_ACCOUNT_ID, 'pending')).toBe(3_317);
  });

  describe('verification payments', () => {
    it('come from the allowance while it lasts, then from the mint', () => {
      const within = checkDraft(verificationPaymentPosting(terms(100), 250));
      expect(amountOf(within, 'artist', 'allowance')).toBe(-100);
      expect(amountOf(within, MINT_ACCOUNT_ID, 'available')).toBe(0);
      const beyond = checkDraft(verificationPaymentPosting(terms(100), 30));
      expect(amountOf(beyond, 'artist', 'allowance')).toBe(-30);
      expect(amountOf(beyond, MINT_ACCOUNT_ID, 'available')).toBe(-70);
      expect(amountOf(beyond, 'operator', 'pending') + amountOf(beyond, FEES_ACCOUNT_ID, 'pending')).toBe(100);
    });

    it('balance for any price, fee and allowance left', () => {
      fc.assert(
        fc.property(fc.nat({ max: 1e12 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: -5, max: 1e12 }), (price, bp, left) => {
          const entries = checkDraft(verificationPaymentPosting(terms(price, bp), left));
          expect(amountOf(entries, 'artist', 'allowance')).toBe(0 - Math.min(price, Math.max(left, 0)));
          expect(entries.every((e) => e.pocket === 'pending' ? e.amount > 0 : e.amount < 0)).toBe(true);
        }),
      );
    });
  });

  it('a forfeit mirrors the payment it reverses, entry for entry', () => {
    const payment = { id: 'tx-1', kind: 'verification_payment' as const, tileId: 'tile', attemptId: 'attempt', operatorId: 'operator', entries: checkDraft(verificationPaymentPosting(terms(100), 30)) };
    const forfeit = forfeitPosting(payment, 'job', 'caught');
    expect(forfeit).toMatchObject({ kind: 'forfeit', reversesId: 'tx-1', tileId: 'tile', attemptId: 'attempt', operatorId: 'operator', jobId: 'job' });
    expect(checkDraft(forfeit).map((e) => e.amount)).toEqual(payment.entries.map((e) => -e.amount));
  });

  it('a release makes each pending pocket available; a refund returns escrow and allowance', () => {
    const release = checkDraft(releasePosting('job', [{ accountId: 'operator', amount: 9 }, { accountId: FEES_ACCOUNT_ID, amount: 1 }]));
    expect(amountOf(release, 'operator', 'pending')).toBe(-9);
    expect(amountOf(release, 'operator', 'available')).toBe(9);
    const refund = checkDraft(refundPosting('artist', 'job', 4, 6, 'completed'));
    expect(amountOf(refund, 'artist', 'available')).toBe(10);
    expect(checkDraft(refundPosting('artist', 'job', 0, 0, 'completed'))).toEqual([]);
  });
});

import { UnbalancedTransactionError } from './credit.errors';
import { type Microcredits } from './money';
import { splitFee } from './pricing';

/**
 * The shape of the double-entry ledger, and the postings each movement of credits makes, as pure functions:
 * the persistence layer locks, reads balances, and writes what these return.
 *
 * An account's credits sit in **pockets**:
 * - `available`: spendable (an artist's balance, an operator's released earnings, the platform's fees);
 * - `escrow` (per job): what an artist holds for a job's tiles, exactly the sum of their prices;
 * - `allowance` (per job): what the artist holds on top for spot-check renders;
 * - `pending` (per job): what an operator (and the platform, its fee) earned on a job that is not settled
 *   yet; a cheater's pending earnings can still be forfeited, released ones cannot.
 * The escrow and allowance pockets belong to the artist's own account: held credits are still the
 * artist's, not the platform's, and a refund moves them back between two pockets of one account.
 */

export const ACCOUNT_ROLES = ['artist', 'studio', 'operator', 'admin', 'system'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const POCKETS = ['available', 'escrow', 'allowance', 'pending'] as const;
export type Pocket = (typeof POCKETS)[number];

/**
 * - credit: an admin grant, from the mint. - escrow: held at submission. - tile_payment / verification_payment:
 * an accepted tile, a spot-check render. - forfeit: the exact reversal of a cheater's payment.
 * - release: a settled job's pending earnings become available. - refund: the unspent escrow and allowance
 * go back to the artist (exactly one per job: it marks the job settled). - correction: an admin's fix.
 */
export const TRANSACTION_KINDS = [
  'credit', 'escrow', 'tile_payment', 'verification_payment', 'forfeit', 'release', 'refund', 'correction',
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];
export const PAYMENT_KINDS = ['tile_payment', 'verification_payment'] as const satisfies readonly TransactionKind[];

/** Where credits come from: an admin credit is minted here, so the mint is the only balance below zero. */
export const MINT_ACCOUNT_ID = 'system:mint';
/** Where the platform's fees go. */
export const FEES_ACCOUNT_ID = 'system:fees';

export interface EntryDraft {
  accountId: string;
  pocket: Pocket;
  /** The job of an escrow, allowance or pending pocket; null for `available`. */
  jobId: string | null;
  /** Signed: positive adds to the pocket, negative takes from it. */
  amount: Microcredits;
}

export interface TransactionDraft {
  kind: TransactionKind;
  jobId?: string | null;
  tileId?: string | null;
  attemptId?: string | null;
  /**
   * The operator a payment pays (and its forfeit takes back from). Kept on the transaction, not only in its
   * entries: a payment priced at zero has no entries, and is still that operator's payment.
   */
  operatorId?: string | null;
  /** The payment a forfeit reverses. */
  reversesId?: string | null;
  memo: string;
  entries: EntryDraft[];
}

const available = (accountId: string, amount: Microcredits): EntryDraft => ({ accountId, pocket: 'available', jobId: null, amount });
const held = (accountId: string, pocket: Exclude<Pocket, 'available'>, jobId: string, amount: Microcredits): EntryDraft => ({
  accountId, pocket, jobId, amount,
});

/**
 * Checks a draft and returns its entries without the zero ones: every amount a safe integer, pockets keyed
 * by job exactly when they should be, and the sum zero. A transaction may be left with no entries at all (a
 * tile priced at zero, a settlement with nothing left to return): it is still written, so the event is on
 * the record.
 */
export function checkDraft(draft: TransactionDraft): EntryDraft[] {
  let sum = 0n;
  for (const entry of draft.entries) {
    if (!Number.isSafeInteger(entry.amount)) {
      throw new UnbalancedTransactionError(`${draft.kind}: entry ${entry.amount} for ${entry.accountId} is not a whole number of micro-credits`);
    }
    if ((entry.pocket === 'available') !== (entry.jobId === null)) {
      throw new UnbalancedTransactionError(`${draft.kind}: the ${entry.pocket} pocket of ${entry.accountId} ${entry.jobId ? 'has no job' : 'needs a job'}`);
    }
    sum += BigInt(entry.amount);
  }
  if (sum !== 0n) throw new UnbalancedTransactionError(`${draft.kind}: entries sum to ${sum} micro-credits, not 0`);
  return draft.entries.filter((entry) => entry.amount !== 0);
}

/** An admin grant: minted, so credits enter the farm here and nowhere else. */
export function creditPosting(accountId: string, amount: Microcredits, memo: string): TransactionDraft {
  return { kind: 'credit', memo, entries: [available(MINT_ACCOUNT_ID, -amount), available(accountId, amount)] };
}

/** At submission: the artist's available credits move into the job's escrow and allowance pockets. */
export function escrowPosting(artistId: string, jobId: string, tilesPrice: Microcredits, allowance: Microcredits): TransactionDraft {
  return {
    kind: 'escrow',
    jobId,
    memo: `escrow for job ${jobId}`,
    entries: [available(artistId, -(tilesPrice + allowance)), held(artistId, 'escrow', jobId, tilesPrice), held(artistId, 'allowance', jobId, allowance)],
  };
}

export interface PaymentTerms {
  artistId: string;
  jobId: string;
  tileId: string;
  attemptId: string;
  operatorId: string;
  price: Microcredits;
  feeBasisPoints: number;
}

/** An accepted tile: its price leaves the job's escrow into the operator's (payout) and platform's (fee) pending pockets. */
export function tilePaymentPosting(terms: PaymentTerms): TransactionDraft {
  const { fee, payout } = splitFee(terms.price, terms.feeBasisPoints);
  return {
    kind: 'tile_payment',
    jobId: terms.jobId,
    tileId: terms.tileId,
    attemptId: terms.attemptId,
    operatorId: terms.operatorId,
    memo: `tile ${terms.tileId}, attempt ${terms.attemptId}`,
    entries: [
      held(terms.artistId, 'escrow', terms.jobId, -terms.price),
      held(terms.operatorId, 'pending', terms.jobId, payout),
      held(FEES_ACCOUNT_ID, 'pending', terms.jobId, fee),
    ],
  };
}

/**
 * A spot-check render, paid like a tile of the area it re-rendered. It is charged to the job's allowance
 * while the allowance lasts; beyond that the platform pays for its own caution, from the mint, so a job
 * that needed more checks than expected never costs its artist more than the estimate.
 */
export function verificationPaymentPosting(terms: PaymentTerms, allowanceLeft: Microcredits): TransactionDraft {
  const { fee, payout } = splitFee(terms.price, terms.feeBasisPoints);
  const fromAllowance = Math.min(terms.price, Math.max(allowanceLeft, 0));
  return {
    kind: 'verification_payment',
    jobId: terms.jobId,
    tileId: terms.tileId,
    attemptId: terms.attemptId,
    operatorId: terms.operatorId,
    memo: `check of tile ${terms.tileId}, attempt ${terms.attemptId}`,
    entries: [
      held(terms.artistId, 'allowance', terms.jobId, -fromAllowance),
      available(MINT_ACCOUNT_ID, -(terms.price - fromAllowance)),
      held(terms.operatorId, 'pending', terms.jobId, payout),
      held(FEES_ACCOUNT_ID, 'pending', terms.jobId, fee),
    ],
  };
}

export interface PostedPayment {
  id: string;
  kind: TransactionKind;
  tileId: string | null;
  attemptId: string | null;
  operatorId: string | null;
  entries: EntryDraft[];
}

/**
 * A forfeit is the exact mirror of the payment it reverses: the payout and the fee leave the pending
 * pockets and go back where the price came from (the job's escrow for a tile, so the tile can be rendered
 * and paid again; the allowance, or the mint, for a check). Nothing is lost or gained by rounding.
 */
export function forfeitPosting(payment: PostedPayment, jobId: string, reason: string): TransactionDraft {
  return {
    kind: 'forfeit',
    jobId,
    tileId: payment.tileId,
    attemptId: payment.attemptId,
    operatorId: payment.operatorId,
    reversesId: payment.id,
    memo: `forfeit of ${payment.kind} ${payment.id}: ${reason}`,
    entries: payment.entries.map((entry) => ({ ...entry, amount: -entry.amount })),
  };
}

/** At settlement, every pending pocket of the job becomes available to its owner. */
export function releasePosting(jobId: string, pending: ReadonlyArray<{ accountId: string; amount: Microcredits }>): TransactionDraft {
  return {
    kind: 'release',
    jobId,
    memo: `earnings of job ${jobId} released`,
    entries: pending.flatMap(({ accountId, amount }) => [held(accountId, 'pending', jobId, -amount), available(accountId, amount)]),
  };
}

/** At settlement, what is left in the escrow and allowance pockets returns to the artist's available credits. */
export function refundPosting(artistId: string, jobId: string, escrowLeft: Microcredits, allowanceLeft: Microcredits, reason: string): TransactionDraft {
  return {
    kind: 'refund',
    jobId,
    memo: `job ${jobId} ${reason}: unspent escrow returned`,
    entries: [
      held(artistId, 'escrow', jobId, -escrowLeft),
      held(artistId, 'allowance', jobId, -allowanceLeft),
      available(artistId, escrowLeft + allowanceLeft),
    ],
  };
}

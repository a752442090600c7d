import { DomainError } from '../errors';
import { formatCredits, type Microcredits } from './money';

/**
 * The errors of pricing and of the credit ledger. The API maps `insufficient_credits` to 402 Payment
 * Required; the others are 400 for bad input (`invalid_pricing`, `unknown_account`), 409 for a state that
 * forbids the move (`escrow_exists`, `job_settled`), and the rest mean a bug in the caller (500): the
 * ledger refuses the posting and the caller's transaction rolls back with it.
 */

/** A pricing configuration or an amount that cannot be priced: a negative rate, a fractional amount... */
export class PricingError extends DomainError {
  readonly code = 'invalid_pricing';
}

/** The artist's available balance cannot cover the escrow a job needs. */
export class InsufficientCreditsError extends DomainError {
  readonly code = 'insufficient_credits';
  readonly missing: Microcredits;

  constructor(
    readonly accountId: string,
    readonly balance: Microcredits,
    readonly required: Microcredits,
  ) {
    const missing = required - balance;
    // The message is the one the artist reads (CLI, 402 body): what they have, what it takes, the gap.
    super(`balance ${formatCredits(balance)} credits, the estimate is ${formatCredits(required)} credits: ${formatCredits(missing)} credits missing`);
    this.missing = missing;
  }
}

/** A posting whose entries do not sum to zero, or that is malformed (a fractional or zero-sized entry...). */
export class UnbalancedTransactionError extends DomainError {
  readonly code = 'unbalanced_transaction';
}

/**
 * A posting would leave a balance below zero. Only the mint may go negative; for an artist's available
 * credits the ledger says InsufficientCreditsError before it gets here, so this one means a bug (a tile
 * priced above what was held for it, a correction that takes more than is there).
 */
export class NegativeBalanceError extends DomainError {
  readonly code = 'negative_balance';

  constructor(
    readonly accountId: string,
    readonly pocket: string,
    readonly jobId: string | null,
    readonly balance: Microcredits,
  ) {
    const where = jobId ? `${pocket} of job ${jobId}` : pocket;
    super(`account ${accountId}: ${where} would be ${formatCredits(balance)} credits; only the mint may go below zero`);
  }
}

/** An account that does not exist, or that cannot take this part (a system account submitting a job...). */
export class UnknownAccountError extends DomainError {
  readonly code = 'unknown_account';

  constructor(
    readonly accountId: string,
    detail?: string,
  ) {
    super(detail ? `account ${accountId}: ${detail}` : `no account ${accountId}`);
  }
}

/** A job holds one escrow, taken once at submission. */
export class EscrowExistsError extends DomainError {
  readonly code = 'escrow_exists';

  constructor(readonly jobId: string) {
    super(`job ${jobId} already holds an escrow`);
  }
}

/** A payment or settlement for a job that never held an escrow. */
export class EscrowNotFoundError extends DomainError {
  readonly code = 'escrow_not_found';

  constructor(readonly jobId: string) {
    super(`job ${jobId} holds no escrow`);
  }
}

/** A payment for a job whose credits were already settled: nothing may move after settlement. */
export class JobSettledError extends DomainError {
  readonly code = 'job_settled';

  constructor(readonly jobId: string) {
    super(`job ${jobId} is settled: its escrow was refunded and its earnings released`);
  }
}

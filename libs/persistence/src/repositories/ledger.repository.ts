import { randomUUID } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import {
  assertMicrocredits, checkDraft, Clock, creditPosting, EscrowExistsError, EscrowNotFoundError, escrowPosting, forfeitPosting,
  InsufficientCreditsError, InvariantViolationError, JobSettledError, MINT_ACCOUNT_ID, NegativeBalanceError, PAYMENT_KINDS, PricingError, readMicrocredits,
  refundPosting, releasePosting, splitFee, SystemClock, tilePaymentPosting, UnknownAccountError, verificationPaymentPosting,
  type AccountRole, type EntryDraft, type Microcredits, type PaymentTerms, type Pocket, type TransactionDraft, type TransactionKind,
} from '@tessera/domain';
import { Database, isPostgres } from '../database';
import { AccountEntity, AttemptEntity, LedgerEntryEntity, LedgerEscrowEntity, LedgerTransactionEntity } from '../entities';

export interface Balance {
  accountId: string;
  /** Spendable now. Only the mint's can be negative. */
  available: Microcredits;
  /** In escrow (and verification allowance) for the account's jobs that are not settled. */
  held: Microcredits;
  /** Earned on jobs that are not settled yet (forfeitable). */
  pending: Microcredits;
  total: Microcredits;
}

export interface LedgerLine {
  id: number;
  transactionId: string;
  kind: TransactionKind;
  pocket: Pocket;
  jobId: string | null;
  tileId: string | null;
  attemptId: string | null;
  amount: Microcredits;
  memo: string;
  createdAt: number;
}

/** A payment as the caller asks for it; the artist who pays is the job's, from its escrow record. */
export type PaymentRequest = Omit<PaymentTerms, 'artistId'>;

export type PaymentOutcome =
  | { paid: true; transactionId: string; fee: Microcredits; payout: Microcredits }
  | { paid: false; transactionId: string; reason: string };

export interface Settlement {
  /** False when the job was settled before: nothing moved this time. */
  settled: boolean;
  released: Microcredits;
  refunded: Microcredits;
}

export interface JobStatement {
  jobId: string;
  artistId: string;
  tilesPrice: Microcredits;
  allowance: Microcredits;
  escrowLeft: Microcredits;
  allowanceLeft: Microcredits;
  /** Earned by operators and the platform on this job, not released yet. */
  pending: Microcredits;
  refunded: Microcredits;
  /** What the job has cost its artist so far: held - still held - refunded. */
  cost: Microcredits;
  settled: boolean;
}

const MAX_PAGE = 500;

/**
 * The credit ledger (docs/credits.md). Every movement is a balanced, append-only transaction built by the pure
 * postings of @tessera/domain. Methods that take an EntityManager post inside the caller's transaction, so a
 * payment commits or rolls back with the state change that causes it (the tile's acceptance, the job's
 * submission or end); the others open a transaction of their own.
 *
 * Concurrency: only a posting that takes from a pocket can break a rule (overdraw, pay twice), so each one
 * first locks what it takes from: the account row for an `available` pocket, the job's escrow row for the
 * job's pockets (accounts first, then escrows, each in id order, so two postings cannot deadlock). On
 * PostgreSQL these are `SELECT ... FOR UPDATE`; on SQLite every transaction is already serialised.
 */
export class LedgerRepository {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = new SystemClock(),
  ) {}

  // --- accounts ---------------------------------------------------------------------------------------------

  async openAccount(manager: EntityManager, account: { id?: string; name: string; role: AccountRole }): Promise<AccountEntity> {
    const row = Object.assign(new AccountEntity(), { id: account.id ?? randomUUID(), name: account.name, role: account.role, createdAt: this.clock.now() });
    await manager.insert(AccountEntity, row);
    return row;
  }

  account(id: string): Promise<AccountEntity | null> {
    return this.db.manager.findOneBy(AccountEntity, { id });
  }

  // --- movements ----------------------------------------------------------------------------------------------

  /**
   * Writes a transaction after checking it (entries sum to zero, whole micro-credits), locking the pockets it
   * takes from, and checking afterwards that none of them went below zero (the mint excepted). Prefer the named
   * movements below, which also know the rules of each kind (pay a tile once, nothing after settlement).
   */
  async post(manager: EntityManager, draft: TransactionDraft): Promise<LedgerTransactionEntity> {
    const entries = checkDraft(draft);
    const debited = entries.filter((e) => e.amount < 0 && e.accountId !== MINT_ACCOUNT_ID);
    for (const id of unique(debited.filter((e) => e.jobId === null).map((e) => e.accountId))) await this.lockAccount(manager, id);
    for (const id of unique(debited.map((e) => e.jobId).filter((j): j is string => j !== null))) await this.lockEscrow(manager, id);
    const now = this.clock.now();
    const tx = Object.assign(new LedgerTransactionEntity(), {
      id: randomUUID(), kind: draft.kind, jobId: draft.jobId ?? null, tileId: draft.tileId ?? null,
      attemptId: draft.attemptId ?? null, operatorId: draft.operatorId ?? null, reversesId: draft.reversesId ?? null, memo: draft.memo, createdAt: now,
    });
    await manager.insert(LedgerTransactionEntity, tx);
    if (entries.length > 0) {
      await manager.insert(LedgerEntryEntity, entries.map((e) => ({ transactionId: tx.id, ...e, createdAt: now })));
    }
    for (const e of debited) {
      const balance = await this.pocketBalance(manager, e.accountId, e.pocket, e.jobId);
      if (balance < 0) throw new NegativeBalanceError(e.accountId, e.pocket, e.jobId, balance);
    }
    return tx;
  }

  /** An admin grant (there is no payment gateway): new credits from the mint. */
  credit(accountId: string, amount: Microcredits, memo: string): Promise<{ transactionId: string; balance: Microcredits }> {
    return this.db.transaction((manager) => this.creditIn(manager, accountId, amount, memo));
  }

  async creditIn(manager: EntityManager, accountId: string, amount: Microcredits, memo: string): Promise<{ transactionId: string; balance: Microcredits }> {
    if (assertMicrocredits(amount, 'credit') === 0) throw new PricingError('credit: the amount must be more than zero');
    const account = await manager.findOneBy(AccountEntity, { id: accountId });
    if (!account || account.id === MINT_ACCOUNT_ID) throw new UnknownAccountError(accountId, account ? 'the mint cannot be credited' : undefined);
    const tx = await this.post(manager, creditPosting(accountId, amount, memo));
    return { transactionId: tx.id, balance: await this.pocketBalance(manager, accountId, 'available', null) };
  }

  /**
   * At submission: holds the job's estimate (tiles' price + verification allowance) from the artist's available
   * credits, or refuses with InsufficientCreditsError saying how much is missing. The artist's row is locked
   * first, so two submissions at once cannot both spend the same credits.
   */
  async holdEscrow(
    manager: EntityManager,
    hold: { artistId: string; jobId: string; estimate: { tilesPrice: Microcredits; allowance: Microcredits } },
  ): Promise<{ transactionId: string; held: Microcredits; balance: Microcredits }> {
    const { artistId, jobId } = hold;
    const tilesPrice = assertMicrocredits(hold.estimate.tilesPrice, 'estimate');
    const allowance = assertMicrocredits(hold.estimate.allowance, 'verification allowance');
    const artist = await this.lockAccount(manager, artistId);
    if (artist.role === 'system') throw new UnknownAccountError(artistId, 'a system account does not submit jobs');
    if (await manager.findOneBy(LedgerEscrowEntity, { jobId })) throw new EscrowExistsError(jobId);
    const balance = await this.pocketBalance(manager, artistId, 'available', null);
    const total = tilesPrice + allowance;
    if (balance < total) throw new InsufficientCreditsError(artistId, balance, total);
    const tx = await this.post(manager, escrowPosting(artistId, jobId, tilesPrice, allowance));
    await manager.insert(LedgerEscrowEntity, { jobId, artistId, transactionId: tx.id, tilesPrice, allowance, createdAt: this.clock.now() });
    return { transactionId: tx.id, held: total, balance: balance - total };
  }

  /**
   * An accepted tile pays its worker's operator from the job's escrow (the fee to the platform), both pending
   * until the job settles. Idempotent: an attempt is paid at most once, and a tile that has a payment (not
   * forfeited) is not paid again, whichever attempt asks; both answer `paid: false` with the payment there is.
   */
  async payTile(manager: EntityManager, request: PaymentRequest): Promise<PaymentOutcome> {
    const { escrow, already } = await this.beforePayment(manager, request);
    if (already) return already;
    const live = await this.livePayment(manager, request.tileId);
    if (live) return { paid: false, transactionId: live.id, reason: `tile ${request.tileId} is paid already` };
    const tx = await this.post(manager, tilePaymentPosting({ ...request, artistId: escrow.artistId }));
    return { paid: true, transactionId: tx.id, ...splitFee(request.price, request.feeBasisPoints) };
  }

  /** A spot-check render: from the job's allowance while it lasts, then from the mint (see verificationPaymentPosting). */
  async payVerification(manager: EntityManager, request: PaymentRequest): Promise<PaymentOutcome> {
    const { escrow, already } = await this.beforePayment(manager, request);
    if (already) return already;
    const allowanceLeft = await this.pocketBalance(manager, escrow.artistId, 'allowance', request.jobId);
    const tx = await this.post(manager, verificationPaymentPosting({ ...request, artistId: escrow.artistId }, allowanceLeft));
    return { paid: true, transactionId: tx.id, ...splitFee(request.price, request.feeBasisPoints) };
  }

  /**
   * A cheater's pending earnings on a job go back where they came from: each of its payments not yet reversed is
   * mirrored by a forfeit (tiles back to the escrow, so they can be rendered and paid again). After settlement
   * the earnings are released and final: nothing is forfeited, and `settled` says so.
   */
  async forfeit(manager: EntityManager, input: { jobId: string; operatorId: string; reason: string }): Promise<{ forfeited: Microcredits; payments: number; settled: boolean }> {
    await this.lockEscrow(manager, input.jobId);
    if (await this.isSettled(manager, input.jobId)) return { forfeited: 0, payments: 0, settled: true };
    const payments = await manager
      .createQueryBuilder(LedgerTransactionEntity, 't')
      .where('t.jobId = :jobId AND t.operatorId = :operatorId AND t.kind IN (:...kinds)', { jobId: input.jobId, operatorId: input.operatorId, kinds: PAYMENT_KINDS })
      .andWhere('NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r."reversesId" = t.id)')
      .orderBy('t.createdAt', 'ASC')
      .getMany();
    if (payments.length === 0) return { forfeited: 0, payments: 0, settled: false };
    const entries = await manager.findBy(LedgerEntryEntity, { transactionId: In(payments.map((p) => p.id)) });
    let forfeited = 0;
    for (const payment of payments) {
      const own = entries.filter((e) => e.transactionId === payment.id).map(toDraft);
      forfeited += own.filter((e) => e.pocket === 'pending').reduce((sum, e) => sum + e.amount, 0);
      await this.post(manager, forfeitPosting({ ...payment, entries: own }, input.jobId, input.reason));
    }
    return { forfeited, payments: payments.length, settled: false };
  }

  /**
   * At the end of a job (completed, cancelled or failed), in the transaction that ends it: every pending earning
   * of the job is released, and what is left of the escrow and allowance is refunded to the artist. The refund
   * is written even when it is zero: it marks the job settled (unique per job), after which nothing moves.
   * Settling twice is not an error: the second call finds the refund and returns `settled: false`.
   */
  async settle(manager: EntityManager, jobId: string, reason: string): Promise<Settlement> {
    const escrow = await this.lockEscrow(manager, jobId);
    if (await this.isSettled(manager, jobId)) return { settled: false, released: 0, refunded: 0 };
    const pockets = await this.jobPockets(manager, jobId);
    const pending = pockets.filter((p) => p.pocket === 'pending' && p.amount !== 0);
    if (pending.length > 0) await this.post(manager, releasePosting(jobId, pending));
    const left = (pocket: Pocket) => pockets.find((p) => p.pocket === pocket && p.accountId === escrow.artistId)?.amount ?? 0;
    await this.post(manager, refundPosting(escrow.artistId, jobId, left('escrow'), left('allowance'), reason));
    return { settled: true, released: pending.reduce((sum, p) => sum + p.amount, 0), refunded: left('escrow') + left('allowance') };
  }

  /**
   * Settles a job if it holds an escrow: jobs recorded before accounts existed never held one and have
   * nothing to settle (null).
   */
  async settleIfHeld(manager: EntityManager, jobId: string, reason: string): Promise<Settlement | null> {
    if (!(await manager.findOneBy(LedgerEscrowEntity, { jobId }))) return null;
    return this.settle(manager, jobId, reason);
  }

  /** An admin's correction: any balanced entries, under the same rules (no pocket but the mint's below zero). */
  correct(manager: EntityManager, correction: { memo: string; jobId?: string; entries: EntryDraft[] }): Promise<LedgerTransactionEntity> {
    return this.post(manager, { kind: 'correction', ...correction });
  }

  // --- reads --------------------------------------------------------------------------------------------------

  async balance(accountId: string, manager: EntityManager = this.db.manager): Promise<Balance> {
    if (!(await manager.findOneBy(AccountEntity, { id: accountId }))) throw new UnknownAccountError(accountId);
    const rows: Array<{ pocket: Pocket; amount: unknown }> = await manager
      .createQueryBuilder(LedgerEntryEntity, 'e')
      .select('e.pocket', 'pocket')
      .addSelect('SUM(e.amount)', 'amount')
      .where('e.accountId = :accountId', { accountId })
      .groupBy('e.pocket')
      .getRawMany();
    const of = (...pockets: Pocket[]) => rows.filter((r) => pockets.includes(r.pocket)).reduce((sum, r) => sum + readMicrocredits(r.amount), 0);
    const balance = { accountId, available: of('available'), held: of('escrow', 'allowance'), pending: of('pending') };
    return { ...balance, total: balance.available + balance.held + balance.pending };
  }

  /** An account's entries, newest first; `before` is the id of the last entry of the previous page. */
  async entries(accountId: string, page: { limit?: number; before?: number } = {}): Promise<LedgerLine[]> {
    const limit = page.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new InvariantViolationError(`ledger page: limit must be 1 to ${MAX_PAGE}, got ${limit}`);
    const query = this.db.manager
      .createQueryBuilder(LedgerEntryEntity, 'e')
      .innerJoin(LedgerTransactionEntity, 't', 't.id = e.transactionId')
      .select(['e.id AS id', 'e.transactionId AS "transactionId"', 't.kind AS kind', 'e.pocket AS pocket', 'e.jobId AS "jobId"'])
      .addSelect(['t.tileId AS "tileId"', 't.attemptId AS "attemptId"', 'e.amount AS amount', 't.memo AS memo', 'e.createdAt AS "createdAt"'])
      .where('e.accountId = :accountId', { accountId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (page.before !== undefined) query.andWhere('e.id < :before', { before: page.before });
    const rows: Array<Record<string, unknown>> = await query.getRawMany();
    return rows.map((r) => ({
      ...(r as unknown as LedgerLine),
      id: Number(r.id),
      amount: readMicrocredits(r.amount),
      createdAt: Number(r.createdAt),
    }));
  }

  /** Where a job's credits stand: for the job's status, the CLI's cost line and the settlement checks. */
  async jobStatement(jobId: string, manager: EntityManager = this.db.manager): Promise<JobStatement | null> {
    const escrow = await manager.findOneBy(LedgerEscrowEntity, { jobId });
    if (!escrow) return null;
    const pockets = await this.jobPockets(manager, jobId);
    const sum = (pocket: Pocket) => pockets.filter((p) => p.pocket === pocket).reduce((total, p) => total + p.amount, 0);
    const refund = await manager.findOneBy(LedgerTransactionEntity, { jobId, kind: 'refund' });
    const refunded = refund
      ? readMicrocredits((await manager.createQueryBuilder(LedgerEntryEntity, 'e').select('SUM(e.amount)', 'sum')
          .where("e.transactionId = :id AND e.pocket = 'available'", { id: refund.id }).getRawOne())?.sum)
      : 0;
    const held = escrow.tilesPrice + escrow.allowance;
    const escrowLeft = sum('escrow');
    const allowanceLeft = sum('allowance');
    return {
      jobId, artistId: escrow.artistId, tilesPrice: escrow.tilesPrice, allowance: escrow.allowance, escrowLeft, allowanceLeft,
      pending: sum('pending'), refunded, cost: held - escrowLeft - allowanceLeft - refunded, settled: refund !== null,
    };
  }

  /** An operator's earnings per worker (payments net of forfeits, pending or released), highest first. */
  async earningsByWorker(operatorId: string): Promise<Array<{ workerId: string; earned: Microcredits; payments: number }>> {
    const rows: Array<{ workerId: string; earned: unknown; payments: unknown }> = await this.db.manager
      .createQueryBuilder(LedgerEntryEntity, 'e')
      .innerJoin(LedgerTransactionEntity, 't', 't.id = e.transactionId')
      .innerJoin(AttemptEntity, 'a', 'a.id = t.attemptId')
      .select('a.workerId', 'workerId')
      .addSelect('SUM(e.amount)', 'earned')
      .addSelect("SUM(CASE WHEN t.kind = 'forfeit' THEN -1 ELSE 1 END)", 'payments')
      .where("e.accountId = :operatorId AND e.pocket = 'pending'", { operatorId })
      .andWhere('t.kind IN (:...kinds)', { kinds: [...PAYMENT_KINDS, 'forfeit'] })
      .groupBy('a.workerId')
      .getRawMany();
    return rows
      .map((r) => ({ workerId: r.workerId, earned: readMicrocredits(r.earned), payments: Number(r.payments) }))
      .sort((a, b) => b.earned - a.earned || a.workerId.localeCompare(b.workerId));
  }

  /** The sum of every entry ever written. Zero, always: anything else is a bug to page someone about. */
  async totals(): Promise<Microcredits> {
    const row = await this.db.manager.createQueryBuilder(LedgerEntryEntity, 'e').select('SUM(e.amount)', 'sum').getRawOne();
    return readMicrocredits(row?.sum);
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  /** The checks every payment makes under the job's lock: an escrow, not settled, this attempt not paid yet. */
  private async beforePayment(manager: EntityManager, request: PaymentRequest) {
    const escrow = await this.lockEscrow(manager, request.jobId);
    if (await this.isSettled(manager, request.jobId)) throw new JobSettledError(request.jobId);
    assertMicrocredits(request.price, 'price');
    const operator = await manager.findOneBy(AccountEntity, { id: request.operatorId });
    if (!operator || operator.role === 'system') throw new UnknownAccountError(request.operatorId, operator ? 'a system account is not paid for renders' : undefined);
    const earlier = await manager.findOneBy(LedgerTransactionEntity, { attemptId: request.attemptId, kind: In([...PAYMENT_KINDS]) });
    const already: PaymentOutcome | null = earlier ? { paid: false, transactionId: earlier.id, reason: `attempt ${request.attemptId} is paid already` } : null;
    return { escrow, already };
  }

  /** The tile's payment that has not been forfeited, if any. */
  private livePayment(manager: EntityManager, tileId: string): Promise<LedgerTransactionEntity | null> {
    return manager
      .createQueryBuilder(LedgerTransactionEntity, 't')
      .where("t.tileId = :tileId AND t.kind = 'tile_payment'", { tileId })
      .andWhere('NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r."reversesId" = t.id)')
      .getOne();
  }

  private async isSettled(manager: EntityManager, jobId: string): Promise<boolean> {
    return (await manager.findOneBy(LedgerTransactionEntity, { jobId, kind: 'refund' })) !== null;
  }

  private async lockAccount(manager: EntityManager, id: string): Promise<AccountEntity> {
    const query = manager.createQueryBuilder(AccountEntity, 'a').where('a.id = :id', { id });
    if (isPostgres(manager)) query.setLock('pessimistic_write');
    const account = await query.getOne();
    if (!account) throw new UnknownAccountError(id);
    return account;
  }

  private async lockEscrow(manager: EntityManager, jobId: string): Promise<LedgerEscrowEntity> {
    const query = manager.createQueryBuilder(LedgerEscrowEntity, 'x').where('x.jobId = :jobId', { jobId });
    if (isPostgres(manager)) query.setLock('pessimistic_write');
    const escrow = await query.getOne();
    if (!escrow) throw new EscrowNotFoundError(jobId);
    return escrow;
  }

  private async pocketBalance(manager: EntityManager, accountId: string, pocket: Pocket, jobId: string | null): Promise<Microcredits> {
    const query = manager
      .createQueryBuilder(LedgerEntryEntity, 'e')
      .select('SUM(e.amount)', 'sum')
      .where('e.accountId = :accountId AND e.pocket = :pocket', { accountId, pocket });
    if (jobId === null) query.andWhere('e.jobId IS NULL');
    else query.andWhere('e.jobId = :jobId', { jobId });
    return readMicrocredits((await query.getRawOne())?.sum);
  }

  /** Every pocket of a job, per account, with its balance. */
  private async jobPockets(manager: EntityManager, jobId: string): Promise<Array<{ accountId: string; pocket: Pocket; amount: Microcredits }>> {
    const rows: Array<{ accountId: string; pocket: Pocket; amount: unknown }> = await manager
      .createQueryBuilder(LedgerEntryEntity, 'e')
      .select('e.accountId', 'accountId')
      .addSelect('e.pocket', 'pocket')
      .addSelect('SUM(e.amount)', 'amount')
      .where('e.jobId = :jobId', { jobId })
      .groupBy('e.accountId')
      .addGroupBy('e.pocket')
      .orderBy('e.accountId')
      .getRawMany();
    return rows.map((r) => ({ accountId: r.accountId, pocket: r.pocket, amount: readMicrocredits(r.amount) }));
  }
}

const unique = (ids: string[]) => [...new Set(ids)].sort();
const toDraft = (e: LedgerEntryEntity): EntryDraft => ({ accountId: e.accountId, pocket: e.pocket, jobId: e.jobId, amount: e.amount });

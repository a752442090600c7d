import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { FEES_ACCOUNT_ID, InsufficientCreditsError, JobSettledError, MINT_ACCOUNT_ID, splitFee, type PricingConfig } from '@tessera/domain';
import { pricedJob, TEST_PRICING, type JobShape, type LedgerWorld, type PricedJob } from './ledger.fixture';

/**
 * A model of what the ledger should hold after any sequence of operations, written the plain way (maps and
 * sums, no SQL), and the random operations the property tests run against both the model and the database.
 */

export type Op =
  | { type: 'credit'; artist: number; amount: number }
  | { type: 'submit'; artist: number; shape: JobShape }
  | { type: 'pay'; job: number; tile: number; operator: number; retry: boolean }
  | { type: 'check'; job: number; tile: number; operator: number; price: number }
  | { type: 'forfeit'; job: number; operator: number }
  | { type: 'complete'; job: number; operator: number }
  | { type: 'cancel'; job: number };

const shape: fc.Arbitrary<JobShape> = fc
  .record({ width: fc.integer({ min: 1, max: 64 }), height: fc.integer({ min: 1, max: 48 }) })
  .chain(({ width, height }) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      cols: fc.integer({ min: 1, max: Math.min(width, 3) }),
      rows: fc.integer({ min: 1, max: Math.min(height, 2) }),
      frames: fc.integer({ min: 1, max: 2 }),
      samples: fc.integer({ min: 1, max: 8 }),
    }),
  );

const who = fc.integer({ min: 0, max: 2 });
/** Small indices, so that operations meet on the same jobs and tiles (duplicates, retries, races). */
const index = fc.nat({ max: 5 });

/** Tile payments (duplicates and retries included) are the most common event, as on a real farm. */
export const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant('credit' as const), artist: who, amount: fc.integer({ min: 1, max: 150_000 }) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('submit' as const), artist: who, shape }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('pay' as const), job: index, tile: index, operator: who, retry: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('check' as const), job: index, tile: index, operator: who, price: fc.integer({ min: 0, max: 3_000 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('forfeit' as const), job: index, operator: who }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('complete' as const), job: index, operator: who }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancel' as const), job: index }) },
);

/** Pricing varies per run too: any fee, any allowance (0 to 30%). */
export const pricing: fc.Arbitrary<PricingConfig> = fc.record({
  feeBasisPoints: fc.integer({ min: 0, max: 10_000 }),
  verificationAllowanceBasisPoints: fc.integer({ min: 0, max: 3_000 }),
}).map((shares) => ({ ...TEST_PRICING, ...shares }));

interface Payment {
  kind: 'tile' | 'check';
  tile: number;
  operator: string;
  price: number;
  fee: number;
  payout: number;
  /** The part of a check paid from the allowance (the rest came from the mint). */
  fromAllowance: number;
  live: boolean;
}

interface ModelJob {
  job: PricedJob;
  artist: string;
  escrowLeft: number;
  allowanceLeft: number;
  settled: boolean;
  payments: Payment[];
  paidAttempts: Set<string>;
  lastAttempt: Map<number, string>;
}

/** What the runs got to exercise: a property that never pays a tile twice proves nothing about paying twice. */
export const STATS = ['refused', 'held', 'paid', 'duplicate', 'afterSettlement', 'checkBeyondAllowance', 'forfeited', 'completed', 'cancelled'] as const;
export type Stats = Record<(typeof STATS)[number], number>;
export const noStats = (): Stats => Object.fromEntries(STATS.map((s) => [s, 0])) as Stats;

export class LedgerModel {
  readonly available = new Map<string, number>();
  readonly jobs: ModelJob[] = [];

  constructor(
    private readonly w: LedgerWorld,
    readonly artists: string[],
    readonly operators: string[],
    private readonly config: PricingConfig,
    private readonly stats: Stats,
  ) {}

  static async create(w: LedgerWorld, config: PricingConfig, stats = noStats()): Promise<LedgerModel> {
    const artists = [await w.account('artist'), await w.account('studio'), await w.account('admin')];
    const operators = [await w.account('operator'), await w.account('operator'), await w.account('operator')];
    return new LedgerModel(w, artists, operators, config, stats);
  }

  private add(account: string, amount: number): void {
    this.available.set(account, (this.available.get(account) ?? 0) + amount);
  }

  private pick(index: number): ModelJob | undefined {
    return this.jobs.length === 0 ? undefined : this.jobs[index % this.jobs.length];
  }

  /** Runs one operation on the database and on the model, and checks the database's answer against the model's. */
  async apply(o: Op): Promise<void> {
    const { db, ledger } = this.w;
    switch (o.type) {
      case 'credit':
        await ledger.credit(this.artists[o.artist], o.amount, 'grant');
        this.add(this.artists[o.artist], o.amount);
        this.add(MINT_ACCOUNT_ID, -o.amount);
        return;
      case 'submit': {
        const artist = this.artists[o.artist];
        const job = pricedJob(o.shape, this.config);
        const balance = this.available.get(artist) ?? 0;
        const hold = db.transaction((m) => ledger.holdEscrow(m, { artistId: artist, jobId: job.id, estimate: job.estimate }));
        if (balance < job.estimate.total) {
          await expect(hold).rejects.toThrow(new InsufficientCreditsError(artist, balance, job.estimate.total));
          this.stats.refused += 1;
          return;
        }
        await hold;
        this.stats.held += 1;
        this.add(artist, -job.estimate.total);
        this.jobs.push({
          job, artist, escrowLeft: job.estimate.tilesPrice, allowanceLeft: job.estimate.allowance, settled: false,
          payments: [], paidAttempts: new Set(), lastAttempt: new Map(),
        });
        return;
      }
      case 'pay': {
        const j = this.pick(o.job);
        if (!j) return;
        const tile = o.tile % j.job.tiles.length;
        const attempt = (!o.retry && j.lastAttempt.get(tile)) || randomUUID();
        j.lastAttempt.set(tile, attempt);
        await this.pay(j, tile, this.operators[o.operator], attempt);
        return;
      }
      case 'check':
        return this.check(o);
      case 'forfeit':
        return this.forfeit(o.job, this.operators[o.operator]);
      case 'complete': {
        const j = this.pick(o.job);
        if (!j || j.settled) return;
        for (let tile = 0; tile < j.job.tiles.length; tile++) {
          if (!j.payments.some((p) => p.live && p.kind === 'tile' && p.tile === tile)) await this.pay(j, tile, this.operators[o.operator], randomUUID());
        }
        expect(j.escrowLeft).toBe(0);
        return this.settle(j, 'completed');
      }
      case 'cancel': {
        const j = this.pick(o.job);
        return j && this.settle(j, 'cancelled');
      }
    }
  }

  private async pay(j: ModelJob, tile: number, operator: string, attempt: string): Promise<void> {
    const { id: tileId, price } = j.job.tiles[tile];
    const paying = this.w.db.transaction((m) =>
      this.w.ledger.payTile(m, { jobId: j.job.id, tileId, attemptId: attempt, operatorId: operator, price, feeBasisPoints: this.config.feeBasisPoints }),
    );
    if (j.settled) {
      this.stats.afterSettlement += 1;
      return expect(paying).rejects.toThrow(JobSettledError);
    }
    const outcome = await paying;
    const due = !j.paidAttempts.has(attempt) && !j.payments.some((p) => p.live && p.kind === 'tile' && p.tile === tile);
    expect(outcome.paid).toBe(due);
    this.stats[due ? 'paid' : 'duplicate'] += 1;
    if (!due) return;
    j.paidAttempts.add(attempt);
    j.escrowLeft -= price;
    j.payments.push({ kind: 'tile', tile, operator, price, ...splitFee(price, this.config.feeBasisPoints), fromAllowance: 0, live: true });
  }

  private async check(o: Extract<Op, { type: 'check' }>): Promise<void> {
    const j = this.pick(o.job);
    if (!j) return;
    const tile = o.tile % j.job.tiles.length;
    const operator = this.operators[o.operator];
    const paying = this.w.db.transaction((m) =>
      this.w.ledger.payVerification(m, {
        jobId: j.job.id, tileId: j.job.tiles[tile].id, attemptId: randomUUID(), operatorId: operator, price: o.price, feeBasisPoints: this.config.feeBasisPoints,
      }),
    );
    if (j.settled) return expect(paying).rejects.toThrow(JobSettledError);
    expect((await paying).paid).toBe(true);
    const fromAllowance = Math.min(o.price, j.allowanceLeft);
    if (fromAllowance < o.price) this.stats.checkBeyondAllowance += 1;
    j.allowanceLeft -= fromAllowance;
    this.add(MINT_ACCOUNT_ID, fromAllowance - o.price);
    j.payments.push({ kind: 'check', tile, operator, price: o.price, ...splitFee(o.price, this.config.feeBasisPoints), fromAllowance, live: true });
  }

  private async forfeit(index: number, operator: string): Promise<void> {
    const j = this.pick(index);
    if (!j) return;
    const result = await this.w.db.transaction((m) => this.w.ledger.forfeit(m, { jobId: j.job.id, operatorId: operator, reason: 'caught cheating' }));
    if (j.settled) return void expect(result).toEqual({ forfeited: 0, payments: 0, settled: true });
    const lost = j.payments.filter((p) => p.live && p.operator === operator);
    if (lost.length > 0) this.stats.forfeited += 1;
    for (const p of lost) {
      p.live = false;
      if (p.kind === 'tile') j.escrowLeft += p.price;
      // A forfeit mirrors the payment: a check goes back to the allowance and, for what it overran, the mint.
      else {
        j.allowanceLeft += p.fromAllowance;
        this.add(MINT_ACCOUNT_ID, p.price - p.fromAllowance);
      }
    }
    expect(result).toEqual({ forfeited: lost.reduce((sum, p) => sum + p.price, 0), payments: lost.length, settled: false });
  }

  private async settle(j: ModelJob, reason: string): Promise<void> {
    const result = await this.w.db.transaction((m) => this.w.ledger.settle(m, j.job.id, reason));
    if (j.settled) return void expect(result.settled).toBe(false);
    const live = j.payments.filter((p) => p.live);
    for (const p of live) {
      this.add(p.operator, p.payout);
      this.add(FEES_ACCOUNT_ID, p.fee);
    }
    const refunded = j.escrowLeft + j.allowanceLeft;
    this.add(j.artist, refunded);
    expect(result).toEqual({ settled: true, released: live.reduce((sum, p) => sum + p.price, 0), refunded });
    this.stats[reason === 'completed' ? 'completed' : 'cancelled'] += 1;
    j.settled = true;
    j.escrowLeft = 0;
    j.allowanceLeft = 0;
  }

  /** Every account's balance, pocket by pocket, as the model has it. */
  expectedBalances(): Map<string, { available: number; held: number; pending: number }> {
    const ids = [...this.artists, ...this.operators, FEES_ACCOUNT_ID, MINT_ACCOUNT_ID];
    const out = new Map(ids.map((id) => [id, { available: this.available.get(id) ?? 0, held: 0, pending: 0 }]));
    for (const j of this.jobs.filter((job) => !job.settled)) {
      (out.get(j.artist) as { held: number }).held += j.escrowLeft + j.allowanceLeft;
      for (const p of j.payments.filter((payment) => payment.live)) {
        (out.get(p.operator) as { pending: number }).pending += p.payout;
        (out.get(FEES_ACCOUNT_ID) as { pending: number }).pending += p.fee;
      }
    }
    return out;
  }

  /** Tile id -> price, for every tile with a payment that stands. */
  livePayments(): Map<string, number> {
    const out = new Map<string, number>();
    for (const j of this.jobs) {
      for (const p of j.payments) if (p.live && p.kind === 'tile') out.set(j.job.tiles[p.tile].id, j.job.tiles[p.tile].price);
    }
    return out;
  }
}

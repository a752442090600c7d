import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RendererName } from '@tessera/contracts';
import {
  estimateJob, ManualClock, MINT_ACCOUNT_ID, planTiles, readMicrocredits, tilePrice,
  type AccountRole, type JobEstimate, type Microcredits, type PricingConfig,
} from '@tessera/domain';
import { Database, LedgerRepository, type DatabaseConfig } from '@tessera/persistence';
import { startPostgres, tempDir, type PostgresHarness, type TempDir } from '@tessera/testing';

export type DatabaseKind = DatabaseConfig['kind'];

/**
 * Prices a test can count on: one micro-credit per sample on every renderer, so a 16x12 tile at 4 samples
 * costs 768 micro-credits; a 10% fee and a 10% allowance, as in the defaults.
 */
export const TEST_PRICING: PricingConfig = {
  ratePerMegasample: { builtin: 1_000_000, blender: 1_000_000, povray: 1_000_000 },
  feeBasisPoints: 1_000,
  verificationAllowanceBasisPoints: 1_000,
};

/** Where test databases come from: one SQLite file, or one PostgreSQL database, per call to `open`. */
export class DatabaseSource {
  private counter = 0;

  private constructor(
    readonly kind: DatabaseKind,
    private readonly postgres: PostgresHarness | undefined,
    private readonly dir: TempDir | undefined,
  ) {}

  static async start(kind: DatabaseKind, name: string): Promise<DatabaseSource> {
    return kind === 'postgres' ? new DatabaseSource(kind, await startPostgres(), undefined) : new DatabaseSource(kind, undefined, await tempDir(name));
  }

  async open(): Promise<Database> {
    this.counter += 1;
    const config: DatabaseConfig = this.postgres
      ? { kind: 'postgres', url: await this.postgres.createDatabase(`ledger_${this.counter}`) }
      : { kind: 'sqlite', path: join((this.dir as TempDir).path, `ledger-${this.counter}.sqlite`) };
    return Database.open(config);
  }

  async stop(): Promise<void> {
    await this.postgres?.stop();
    await this.dir?.remove();
  }
}

export interface LedgerWorld {
  db: Database;
  ledger: LedgerRepository;
  clock: ManualClock;
  account(role: AccountRole, name?: string): Promise<string>;
  /** Opens an account and credits it. */
  funded(role: AccountRole, amount: Microcredits): Promise<string>;
}

export function world(db: Database): LedgerWorld {
  const clock = new ManualClock(1_000);
  const ledger = new LedgerRepository(db, clock);
  const account = async (role: AccountRole, name = role) => (await db.transaction((m) => ledger.openAccount(m, { name, role }))).id;
  return {
    db, ledger, clock, account,
    async funded(role, amount) {
      const id = await account(role);
      await ledger.credit(id, amount, 'test grant');
      return id;
    },
  };
}

export interface PricedTile {
  id: string;
  width: number;
  height: number;
  price: Microcredits;
}

export interface PricedJob {
  id: string;
  renderer: RendererName;
  samples: number;
  tiles: PricedTile[];
  estimate: JobEstimate;
}

export interface JobShape {
  width?: number;
  height?: number;
  cols?: number;
  rows?: number;
  frames?: number;
  samples?: number;
  renderer?: RendererName;
}

/** A job planned and priced the way the API will: planTiles per frame, estimateJob for the escrow. */
export function pricedJob(shape: JobShape = {}, pricing: PricingConfig = TEST_PRICING): PricedJob {
  const { width = 64, height = 48, cols = 2, rows = 2, frames = 1, samples = 4, renderer = 'builtin' } = shape;
  const regions = planTiles(width, height, cols, rows);
  const id = randomUUID();
  const tiles: PricedTile[] = [];
  for (let frame = 0; frame < frames; frame++) {
    for (const region of regions) tiles.push({ id: randomUUID(), width: region.width, height: region.height, price: tilePrice(pricing, renderer, region, samples) });
  }
  return { id, renderer, samples, tiles, estimate: estimateJob(pricing, { renderer, samples, regions, frames }) };
}

export interface LedgerAudit {
  total: Microcredits;
  unbalanced: string[];
  /** Pockets below zero, the mint's excepted: `account/pocket/job = amount`. */
  negative: string[];
  /** Tiles with more than one payment that was not forfeited. */
  paidTwice: string[];
  /** Pockets of settled jobs that still hold something. */
  settledButHeld: string[];
  /** Tile id -> the price its live payment took from escrow. */
  tilePayments: Map<string, Microcredits>;
}

/**
 * The invariants, read straight from the tables in SQL of their own: a check of the repository, not by it.
 * (Quoted identifiers and no parameters: the same text runs on SQLite and PostgreSQL.)
 */
export async function audit(db: Database): Promise<LedgerAudit> {
  const q = (sql: string): Promise<Array<Record<string, unknown>>> => db.manager.query(sql);
  const [total] = await q('SELECT SUM(amount) AS total FROM ledger_entries');
  const unbalanced = await q('SELECT "transactionId" AS id FROM ledger_entries GROUP BY "transactionId" HAVING SUM(amount) <> 0');
  const negative = await q(
    `SELECT "accountId" AS account, pocket, "jobId" AS job, SUM(amount) AS amount FROM ledger_entries
     WHERE "accountId" <> '${MINT_ACCOUNT_ID}' GROUP BY "accountId", pocket, "jobId" HAVING SUM(amount) < 0`,
  );
  const live = `t.kind = 'tile_payment' AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r."reversesId" = t.id)`;
  const paidTwice = await q(`SELECT t."tileId" AS tile FROM ledger_transactions t WHERE ${live} GROUP BY t."tileId" HAVING COUNT(*) > 1`);
  const settledButHeld = await q(
    `SELECT "jobId" AS job, "accountId" AS account, pocket, SUM(amount) AS amount FROM ledger_entries
     WHERE "jobId" IN (SELECT "jobId" FROM ledger_transactions WHERE kind = 'refund')
     GROUP BY "jobId", "accountId", pocket HAVING SUM(amount) <> 0`,
  );
  const payments = await q(
    `SELECT t."tileId" AS tile, SUM(e.amount) AS amount FROM ledger_transactions t JOIN ledger_entries e ON e."transactionId" = t.id
     WHERE ${live} AND e.pocket = 'escrow' GROUP BY t."tileId"`,
  );
  const pocket = (r: Record<string, unknown>) => `${r.account}/${r.pocket}/${r.job ?? '-'} = ${r.amount}`;
  return {
    total: readMicrocredits(total.total),
    unbalanced: unbalanced.map((r) => String(r.id)),
    negative: negative.map(pocket),
    paidTwice: paidTwice.map((r) => String(r.tile)),
    settledButHeld: settledButHeld.map(pocket),
    tilePayments: new Map(payments.map((r) => [String(r.tile), -readMicrocredits(r.amount)])),
  };
}

/** Asserts every invariant of docs/credits.md that needs no model of what should have happened. */
export async function expectSoundLedger(db: Database): Promise<LedgerAudit> {
  const result = await audit(db);
  expect({ total: result.total, unbalanced: result.unbalanced, negative: result.negative, paidTwice: result.paidTwice, settledButHeld: result.settledButHeld }).toEqual({
    total: 0, unbalanced: [], negative: [], paidTwice: [], settledButHeld: [],
  });
  return result;
}

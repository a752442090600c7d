import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { JobSettledError, MINT_ACCOUNT_ID } from '@tessera/domain';
import { LedgerRepository } from '@tessera/persistence';
import { DatabaseSource, expectSoundLedger, pricedJob, world, type DatabaseKind, type PricedJob } from './ledger.fixture';
import { LedgerModel, noStats, op, pricing, STATS, type Op } from './ledger.model';

/**
 * Property-based tests on a real database: random sequences of credits, submissions, tile payments (with
 * duplicates and retries), spot-check payments, forfeits, completions and cancellations, after which the
 * ledger must agree with a plain model to the micro-credit and keep every invariant of docs/credits.md.
 *
 * A fresh database per run (a SQLite file; a PostgreSQL database), so a failing run shrinks to a story of
 * its own. The run counts keep the file well under a minute on two cores.
 */
const RUNS: Record<DatabaseKind, number> = { sqlite: 40, postgres: 8 };

describe.each(['sqlite', 'postgres'] as const)(`${LedgerRepository.name} properties on %s`, (kind) => {
  let source: DatabaseSource;

  beforeAll(async () => {
    source = await DatabaseSource.start(kind, 'ledger-properties');
  }, 120_000);
  afterAll(async () => {
    await source?.stop();
  });

  it('any sequence of operations: the ledger matches the model and keeps its invariants', async () => {
    const stats = noStats();
    // Each run starts with the three artists credited (or not), so that submissions are held and refused alike.
    const start = fc.tuple(...[0, 1, 2].map((artist) => fc.record({ type: fc.constant('credit' as const), artist: fc.constant(artist), amount: fc.integer({ min: 1, max: 80_000 }) })));
    await fc.assert(
      fc.asyncProperty(pricing, start, fc.array(op, { minLength: 10, maxLength: 40, size: 'max' }), async (config, credits, ops) => {
        const db = await source.open();
        try {
          const w = world(db);
          const model = await LedgerModel.create(w, config, stats);
          for (const o of [...credits, ...ops]) await model.apply(o);
          for (const [accountId, expected] of model.expectedBalances()) {
            expect(await w.ledger.balance(accountId)).toMatchObject({ accountId, ...expected });
          }
          // Every tile paid at most once, and a paid tile's payment is its price, no more, no less.
          const { tilePayments } = await expectSoundLedger(db);
          expect(tilePayments).toEqual(model.livePayments());
          expect(await w.ledger.totals()).toBe(0);
        } finally {
          await db.close();
        }
      }),
      { numRuns: RUNS[kind] },
    );
    if (kind === 'sqlite') for (const event of STATS) expect({ event, seen: stats[event] > 0 }).toEqual({ event, seen: true });
  }, 120_000);

  if (kind === 'postgres') {
    it('operations at once, from many connections: the invariants still hold', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }), async (batches) => {
          const db = await source.open();
          try {
            await concurrently(world(db), batches);
            await expectSoundLedger(db);
          } finally {
            await db.close();
          }
        }),
        { numRuns: 6 },
      );
    }, 120_000);
  }
});

/**
 * Runs each batch of operations at once (no model: with concurrency the order, and so the expected balances,
 * are not known in advance; the invariants must hold whatever the order was). Refusals are part of the game:
 * a submission the balance cannot cover, a payment after its job settled.
 */
async function concurrently(w: ReturnType<typeof world>, batches: Op[][]): Promise<void> {
  const artists = [await w.funded('artist', 200_000), await w.funded('studio', 50_000), await w.account('artist')];
  const operators = [await w.account('operator'), await w.account('operator'), await w.account('operator')];
  const jobs: PricedJob[] = [];
  const pick = (i: number) => jobs[i % Math.max(jobs.length, 1)] as PricedJob | undefined;
  const tolerated = (error: unknown) => {
    if (error instanceof JobSettledError || (error as Error).name === 'InsufficientCreditsError') return;
    throw error;
  };
  const run = async (o: Op): Promise<void> => {
    const { db, ledger } = w;
    const fee = 1_000;
    switch (o.type) {
      case 'credit':
        await ledger.credit(artists[o.artist], o.amount, 'grant');
        return;
      case 'submit': {
        const job = pricedJob(o.shape);
        await db.transaction((m) => ledger.holdEscrow(m, { artistId: artists[o.artist], jobId: job.id, estimate: job.estimate }));
        jobs.push(job);
        return;
      }
      case 'pay':
      case 'check': {
        const job = pick(o.job);
        if (!job) return;
        const tile = job.tiles[o.tile % job.tiles.length];
        // Few distinct attempt ids, so that duplicates race each other.
        const attemptId = o.type === 'pay' ? `${tile.id.slice(0, 30)}-${Number(o.retry)}` : randomUUID();
        const request = { jobId: job.id, tileId: tile.id, attemptId, operatorId: operators[o.operator], feeBasisPoints: fee };
        await db.transaction((m) =>
          o.type === 'pay' ? ledger.payTile(m, { ...request, price: tile.price }) : ledger.payVerification(m, { ...request, price: o.price }),
        );
        return;
      }
      case 'forfeit': {
        const job = pick(o.job);
        if (job) await db.transaction((m) => ledger.forfeit(m, { jobId: job.id, operatorId: operators[o.operator], reason: 'caught' }));
        return;
      }
      case 'complete':
      case 'cancel': {
        const job = pick(o.job);
        if (job) await db.transaction((m) => ledger.settle(m, job.id, o.type === 'complete' ? 'completed' : 'cancelled'));
        return;
      }
    }
  };
  for (const batch of batches) await Promise.all(batch.map((o) => run(o).catch(tolerated)));
  expect((await w.ledger.balance(MINT_ACCOUNT_ID)).available).toBeLessThanOrEqual(-250_000);
}

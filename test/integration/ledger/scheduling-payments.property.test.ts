import fc from 'fast-check';
import { areaPrice, splitFee } from '@tessera/domain';
import {
  AttemptEntity, FrameRepository, JobEntity, JobRepository, LeaseRepository, LedgerRepository, SceneRepository, TileEntity, TileOutcomeRepository, WorkerEntity,
} from '@tessera/persistence';
import { ARTIST_ID, estimateOf, facts, FEE_BASIS_POINTS, plannedJob, RATE, scene } from '../persistence/plan.fixture';
import { DatabaseSource, expectSoundLedger, type DatabaseKind } from './ledger.fixture';

/**
 * The scheduler and the ledger together, under any interleaving a farm can produce: leases granted to several
 * workers, results delivered once or many times (JetStream redelivery), late, after a failure or an expiry,
 * workers restarting, stragglers getting backups, the artist cancelling. Whatever happened, once the job ends:
 * every accepted tile was paid exactly once at its price, nothing else was, each operator got exactly the
 * payouts of its workers' accepted tiles, and the artist paid exactly that, the rest refunded.
 */
const RUNS: Record<DatabaseKind, number> = { sqlite: 30, postgres: 6 };
const TTL = 10_000;
const WORKERS = ['w0', 'w1', 'w2', 'free'];
const OPERATORS = ['op-a', 'op-b', null, null];

type Op =
  | { type: 'grant'; worker: number; max: number }
  | { type: 'accept'; lease: number; times: number }
  | { type: 'fail'; lease: number }
  | { type: 'expire' }
  | { type: 'restart'; worker: number }
  | { type: 'backups' }
  | { type: 'cancel' };

const worker = fc.nat({ max: WORKERS.length - 1 });
const lease = fc.nat({ max: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('grant' as const), worker, max: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('accept' as const), lease, times: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('fail' as const), lease }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('expire' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('restart' as const), worker }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('backups' as const) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'cancel' as const }) },
);

describe.each(['sqlite', 'postgres'] as const)('scheduling and payments on %s', (kind) => {
  let source: DatabaseSource;
  beforeAll(async () => {
    source = await DatabaseSource.start(kind, 'scheduling-payments');
  }, 120_000);
  afterAll(async () => {
    await source?.stop();
  });

  it('any interleaving: each accepted tile paid once, to its worker\'s operator, and the job settles exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), async (ops, maxAttempts) => {
        const db = await source.open();
        try {
          const ledger = new LedgerRepository(db);
          const jobs = new JobRepository(db, ledger);
          const leases = new LeaseRepository(db);
          const outcomes = new TileOutcomeRepository(db, ledger);
          const frames = new FrameRepository(db, ledger);
          await db.transaction(async (m) => {
            await ledger.openAccount(m, { id: ARTIST_ID, name: 'Artist', role: 'artist' });
            for (const id of OPERATORS) if (id) await ledger.openAccount(m, { id, name: id, role: 'operator' });
          });
          await ledger.credit(ARTIST_ID, 1_000_000_000, 'property');
          await new SceneRepository(db).saveIfAbsent(scene(), { accountId: ARTIST_ID, name: 'scene', now: 0 });
          for (const [i, id] of WORKERS.entries()) {
            await db.manager.insert(WorkerEntity, {
              id, name: id, operatorId: OPERATORS[i], registeredAt: 0, lastSeenAt: 0,
              capabilities: { renderers: [{ name: 'builtin', version: '1' }], cpuCores: 1, memoryMiB: 1024, gpus: [], slots: 1 },
            });
          }
          const planned = plannedJob({ frames: [1, 2], cols: 3, rows: 2, maxAttempts });
          const { job } = await jobs.insertPlanned(planned, estimateOf(planned));
          let now = 1_000;
          const granted: string[] = [];
          const run = async (o: Op) => {
            now += 100;
            switch (o.type) {
              case 'grant':
                for (const g of await leases.grant({ workerId: WORKERS[o.worker], renderers: ['builtin'], max: o.max, now, ttlMs: TTL })) granted.push(g.attempt.id);
                return;
              case 'accept': {
                const id = granted[o.lease % Math.max(granted.length, 1)];
                if (id) for (let i = 0; i < o.times; i++) await outcomes.accept(id, facts, now);
                return;
              }
              case 'fail': {
                const id = granted[o.lease % Math.max(granted.length, 1)];
                if (id) await outcomes.fail(id, 'crashed', now);
                return;
              }
              case 'expire':
                now += TTL + 1;
                await leases.expire(now);
                return;
              case 'restart':
                await leases.releaseAll(WORKERS[o.worker], now, 'worker registered again');
                return;
              case 'backups':
                now += 5_000;
                await leases.requestBackups(now, { factor: 1.5, minMs: 0, minSamples: 1 });
                return;
              case 'cancel':
                await jobs.cancel(job.id, now);
                return;
            }
          };
          for (const o of ops) await run(o);
          // Then the farm carries on until the job ends: every lease still open is delivered, pending tiles rendered.
          for (let round = 0; round < 50; round++) {
            const state = (await db.manager.findOneByOrFail(JobEntity, { id: job.id })).state;
            if (state !== 'queued' && state !== 'running') break;
            now += 100;
            const active = await db.manager.findBy(AttemptEntity, { jobId: job.id, state: 'active' });
            for (const a of active) await outcomes.accept(a.id, facts, now);
            for (const g of await leases.grant({ workerId: WORKERS[round % WORKERS.length], renderers: ['builtin'], max: 12, now, ttlMs: TTL })) {
              await outcomes.accept(g.attempt.id, facts, now);
            }
            for (const frame of await frames.awaitingStitch(now)) {
              if (await frames.claimStitch(frame.id, now, 0)) await frames.markStitched(frame.id, 'k', 't', now);
            }
          }
          const ended = await db.manager.findOneByOrFail(JobEntity, { id: job.id });
          expect(['completed', 'cancelled', 'failed']).toContain(ended.state);

          const { tilePayments } = await expectSoundLedger(db);
          const accepted = await db.manager.findBy(TileEntity, { jobId: job.id, state: 'accepted' });
          const workerOf = new Map((await db.manager.findBy(AttemptEntity, { jobId: job.id })).map((a) => [a.id, a.workerId]));
          const paidTiles = accepted.filter((t) => OPERATORS[WORKERS.indexOf(workerOf.get(t.leaseId as string) as string)] !== null);
          const price = (t: TileEntity) => areaPrice(RATE, t, planned.job.samples);
          expect(tilePayments).toEqual(new Map(paidTiles.map((t) => [t.id, price(t)])));
          const spent = paidTiles.reduce((sum, t) => sum + price(t), 0);
          expect(await ledger.jobStatement(job.id)).toMatchObject({ settled: true, cost: spent, escrowLeft: 0, allowanceLeft: 0 });
          expect(await ledger.balance(ARTIST_ID)).toMatchObject({ available: 1_000_000_000 - spent, held: 0 });
          for (const operator of OPERATORS.filter((id): id is string => id !== null)) {
            const own = paidTiles.filter((t) => OPERATORS[WORKERS.indexOf(workerOf.get(t.leaseId as string) as string)] === operator);
            const payouts = own.reduce((sum, t) => sum + splitFee(price(t), FEE_BASIS_POINTS).payout, 0);
            expect({ operator, balance: await ledger.balance(operator) }).toMatchObject({ operator, balance: { available: payouts, pending: 0 } });
          }
          expect(await ledger.totals()).toBe(0);
        } finally {
          await db.close();
        }
      }),
      { numRuns: RUNS[kind] },
    );
  }, 240_000);
});

import {
  AttemptEntity,
  Database,
  FrameRepository,
  JobEntity,
  JobRepository,
  LeaseRepository,
  LedgerRepository,
  MIGRATIONS,
  SceneRepository,
  TileEntity,
  TileOutcomeRepository,
  LedgerTransactionEntity,
  WorkerEntity,
  type DatabaseConfig,
  type PlannedJob,
} from '@tessera/persistence';
import { startPostgres, tempDir, type PostgresHarness, type TempDir } from '@tessera/testing';
import { join } from 'node:path';
import { splitFee } from '@tessera/domain';
import { ARTIST_ID, estimateOf, FEE_BASIS_POINTS, facts, plannedJob, scene } from './plan.fixture';

const TTL = 10_000;
const grantFor = (workerId: string, max: number, now = 1000) => ({ workerId, renderers: ['builtin'], max, now, ttlMs: TTL });

// The same scenarios on both databases Tessera supports: the embedded SQLite file and PostgreSQL.
describe.each(['sqlite', 'postgres'] as const)('scheduling on %s', (kind) => {
  let postgres: PostgresHarness | undefined;
  let dir: TempDir | undefined;
  let db: Database;
  let counter = 0;
  let jobs: JobRepository;
  let ledger: LedgerRepository;
  let leases: LeaseRepository;
  let outcomes: TileOutcomeRepository;
  let frames: FrameRepository;

  beforeAll(async () => {
    if (kind === 'postgres') postgres = await startPostgres();
    else dir = await tempDir('scheduler');
  }, 120_000);

  afterAll(async () => {
    await postgres?.stop();
    await dir?.remove();
  });

  // A fresh database for every scenario, so each reads as a story of its own.
  beforeEach(async () => {
    counter += 1;
    const config: DatabaseConfig =
      kind === 'postgres'
        ? { kind, url: await (postgres as PostgresHarness).createDatabase(`scenario_${counter}`) }
        : { kind, path: join((dir as TempDir).path, `scenario-${counter}.sqlite`) };
    db = await Database.open(config);
    ledger = new LedgerRepository(db);
    jobs = new JobRepository(db, ledger);
    leases = new LeaseRepository(db);
    outcomes = new TileOutcomeRepository(db, ledger);
    frames = new FrameRepository(db, ledger);
    await db.transaction((m) => ledger.openAccount(m, { id: ARTIST_ID, name: 'Artist', role: 'artist' }));
    await ledger.credit(ARTIST_ID, 1_000_000_000, 'scenarios');
    await new SceneRepository(db).saveIfAbsent(scene(), { accountId: ARTIST_ID, name: 'test.scene.json', now: 0 });
  });

  afterEach(async () => {
    await db.close();
  });

  /** Records a job as the API does: owned by the artist, its estimate held in escrow. */
  const submit = (planned: PlannedJob) => jobs.insertPlanned(planned, estimateOf(planned));

  it('a worker holds at most its hold limit in leases, counting those whose results are not taken yet', async () => {
    await submit(plannedJob({ cols: 3, rows: 2 }));
    const limited = (now: number) => ({ ...grantFor('worker-a', 4, now), holdLimit: 3 });
    const first = await leases.grant(limited(1000));
    expect(first).toHaveLength(3);
    // Its results are published but not accepted: it gets nothing more, though tiles are pending.
    expect(await leases.grant(limited(1100))).toEqual([]);
    expect(await leases.grant(grantFor('worker-b', 1, 1100))).toHaveLength(1);
    await outcomes.accept(first[0].attempt.id, facts, 1200);
    const next = await leases.grant(limited(1300));
    expect(next).toHaveLength(1);
    expect(new Set([...first, ...next].map((g) => g.tile.id)).size).toBe(4);
  });

  it('one job, four tiles, two workers: each tile is leased once, and the job starts running', async () => {
    const { job } = await submit(plannedJob());
    const a = await leases.grant(grantFor('worker-a', 3));
    const b = await leases.grant(grantFor('worker-b', 3));
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(1);
    const tileIds = [...a, ...b].map((g) => g.tile.id);
    expect(new Set(tileIds).size).toBe(4);
    expect(await leases.grant(grantFor('worker-c', 1))).toEqual([]);
    expect((await jobs.findById(job.id))?.state).toBe('running');
    expect(await jobs.tileCounts(job.id)).toMatchObject({ leased: 4, pending: 0 });
  });

  it('a job that asks for a renderer version range goes only to workers whose build is in it', async () => {
    const planned = plannedJob({ cols: 1, rows: 1 });
    planned.job.rendererVersion = '>=3.6';
    await submit(planned);
    const build = (version: string) => [{ name: 'builtin', version }];
    expect(await leases.grant({ ...grantFor('old', 1), builds: build('Blender 3.4.1') })).toEqual([]);
    expect(await leases.grant({ ...grantFor('unknown', 1) })).toEqual([]);
    expect(await leases.grant({ ...grantFor('new', 1), builds: build('Blender 4.2.0') })).toHaveLength(1);
  });

  it('concurrent work requests never share a tile', async () => {
    await submit(plannedJob({ frames: [1, 2, 3], cols: 4, rows: 4 }));
    const grants = await Promise.all(Array.from({ length: 12 }, (_, i) => leases.grant(grantFor(`worker-${i}`, 5))));
    const ids = grants.flat().map((g) => g.tile.id);
    expect(ids).toHaveLength(48);
    expect(new Set(ids).size).toBe(48);
  });

  it('higher priority first, then older jobs, then frame order', async () => {
    const old = await submit(plannedJob({ frames: [2, 1], createdAt: 1 }));
    const urgent = await submit(plannedJob({ priority: 10, createdAt: 2 }));
    const first = await leases.grant(grantFor('w', 4));
    expect(first.every((g) => g.job.id === urgent.job.id)).toBe(true);
    const next = await leases.grant(grantFor('w', 4));
    expect(next.every((g) => g.job.id === old.job.id && g.tile.frame === 1)).toBe(true);
  });

  it('a worker that goes quiet loses its lease: the tile is pending again and the late result is not accepted', async () => {
    await submit(plannedJob({ cols: 1, rows: 1 }));
    const [lease] = await leases.grant(grantFor('quiet', 1, 1000));
    expect(await leases.expire(1000 + TTL - 1)).toBe(0);
    expect(await leases.expire(1000 + TTL + 1)).toBe(1);
    const attempt = await db.manager.findOneByOrFail(AttemptEntity, { id: lease.attempt.id });
    expect(attempt.state).toBe('expired');
    expect((await leases.renew('quiet', [lease.attempt.id], 20_000, TTL)).abort).toEqual([lease.attempt.id]);
    expect(await outcomes.accept(lease.attempt.id, facts, 20_000)).toEqual({ accepted: false, reason: `lease ${lease.attempt.id} is expired` });
    const [again] = await leases.grant(grantFor('other', 1, 20_000));
    expect(again.tile.id).toBe(lease.tile.id);
    expect(again.attempt.number).toBe(2);
  });

  it('renewing keeps a lease alive past its first expiry', async () => {
    await submit(plannedJob({ cols: 1, rows: 1 }));
    const [lease] = await leases.grant(grantFor('busy', 1, 1000));
    const renewed = await leases.renew('busy', [lease.attempt.id], 1000 + TTL - 100, TTL);
    expect(renewed.renewed).toEqual([{ leaseId: lease.attempt.id, expiresAt: 1000 + 2 * TTL - 100 }]);
    expect(await leases.expire(1000 + TTL + 1)).toBe(0);
    expect((await leases.renew('someone-else', [lease.attempt.id], 1000, TTL)).abort).toEqual([lease.attempt.id]);
  });

  it('the last accepted tile completes the frame; one stitcher wins; the last frame completes the job', async () => {
    const { job } = await submit(plannedJob({ frames: [1, 2], cols: 2, rows: 1 }));
    const granted = await leases.grant(grantFor('w', 4));
    const results = [];
    for (const g of granted) results.push(await outcomes.accept(g.attempt.id, facts, 2000));
    const complete = results.filter((r) => r.accepted && r.frameComplete);
    expect(complete).toHaveLength(2);
    for (const r of complete) {
      if (!r.accepted) throw new Error('unreachable');
      expect(await frames.claimStitch(r.frame.id, 3000, 0)).toBe(true);
      expect(await frames.claimStitch(r.frame.id, 3000, 0)).toBe(false);
    }
    const [f1, f2] = complete.map((r) => (r.accepted ? r.frame.id : ''));
    expect(await frames.markStitched(f1, 'k1', 't1', 4000)).toEqual({ jobCompleted: false });
    expect(await frames.markStitched(f2, 'k2', 't2', 4000)).toEqual({ jobCompleted: true });
    const done = (await jobs.findById(job.id)) as JobEntity;
    expect(done.state).toBe('completed');
    expect(done.finishedAt).toBe(4000);
  });

  it('a duplicate result (redelivery) is accepted once and counted once', async () => {
    await submit(plannedJob({ cols: 2, rows: 1 }));
    const [g] = await leases.grant(grantFor('w', 1));
    const first = await outcomes.accept(g.attempt.id, facts, 2000);
    const second = await outcomes.accept(g.attempt.id, facts, 2001);
    expect(first.accepted).toBe(true);
    expect(second).toEqual({ accepted: false, reason: `lease ${g.attempt.id} is succeeded` });
    expect((await jobs.frames(g.job.id))[0].tilesAccepted).toBe(1);
  });

  it('a stitch whose coordinator died is taken over after it goes stale', async () => {
    await submit(plannedJob({ cols: 1, rows: 1 }));
    const [g] = await leases.grant(grantFor('w', 1));
    const r = await outcomes.accept(g.attempt.id, facts, 2000);
    if (!r.accepted) throw new Error('not accepted');
    expect(await frames.claimStitch(r.frame.id, 3000, 0)).toBe(true);
    expect(await frames.awaitingStitch(2999)).toEqual([]);
    expect((await frames.awaitingStitch(3001)).map((f) => f.id)).toEqual([r.frame.id]);
    expect(await frames.claimStitch(r.frame.id, 9000, 3001)).toBe(true);
  });

  it('failures are retried up to the job limit, then the job fails and its running leases are aborted', async () => {
    const { job } = await submit(plannedJob({ cols: 2, rows: 1, maxAttempts: 2 }));
    const [a, b] = await leases.grant(grantFor('w', 2));
    expect(await outcomes.fail(a.attempt.id, 'renderer crashed', 2000)).toEqual({ retried: true, jobFailed: false, abort: [], blocklisted: false });
    const [retry] = await leases.grant(grantFor('w2', 1, 2100));
    expect(retry.tile.id).toBe(a.tile.id);
    const final = await outcomes.fail(retry.attempt.id, 'renderer crashed again', 2200);
    expect(final).toEqual({ retried: false, jobFailed: true, abort: [b.attempt.id], blocklisted: false });
    const failed = (await jobs.findById(job.id)) as JobEntity;
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain('failed 2 times; last error: renderer crashed again');
    expect(await jobs.tileCounts(job.id)).toMatchObject({ failed: 1, cancelled: 1, leased: 0, pending: 0 });
    expect((await leases.renew('w', [b.attempt.id], 2300, TTL)).abort).toEqual([b.attempt.id]);
  });

  it('cancelling stops the job: nothing more is leased and running leases are aborted', async () => {
    const { job } = await submit(plannedJob({ cols: 2, rows: 2 }));
    const [g] = await leases.grant(grantFor('w', 1));
    const outcome = await jobs.cancel(job.id, 5000);
    expect(outcome?.job.state).toBe('cancelled');
    expect(outcome?.abort).toEqual([g.attempt.id]);
    expect(await leases.grant(grantFor('w', 4))).toEqual([]);
    expect((await leases.renew('w', [g.attempt.id], 5001, TTL)).abort).toEqual([g.attempt.id]);
    expect(await jobs.tileCounts(job.id)).toMatchObject({ cancelled: 4 });
    expect((await jobs.cancel(job.id, 6000))?.abort).toEqual([]);
  });

  it('a worker shutting down releases its leases: the tiles are pending at once', async () => {
    await submit(plannedJob({ cols: 1, rows: 1 }));
    const [g] = await leases.grant(grantFor('w', 1));
    expect(await leases.release('intruder', [g.attempt.id], 1500, 'x')).toEqual([]);
    expect(await leases.release('w', [g.attempt.id], 1500, 'shutting down')).toEqual([g.attempt.id]);
    const tile = await db.manager.findOneByOrFail(TileEntity, { id: g.tile.id });
    expect(tile.state).toBe('pending');
    expect((await leases.grant(grantFor('w2', 1)))[0].tile.id).toBe(g.tile.id);
  });

  it('the same idempotency key records one job', async () => {
    const first = await submit(plannedJob({ idempotencyKey: 'key-1' }));
    const second = await submit(plannedJob({ idempotencyKey: 'key-1' }));
    expect(first.created).toBe(true);
    expect(second).toEqual({ job: expect.objectContaining({ id: first.job.id }), created: false });
  });

  it('a failed tile goes to another worker; its own worker gets it back only after the retry window', async () => {
    await submit(plannedJob({ cols: 1, rows: 1 }));
    const [first] = await leases.grant(grantFor('flaky', 1, 1000));
    await outcomes.fail(first.attempt.id, 'out of memory', 1100);
    const window = { retryElsewhereBefore: 1100 - 30_000 };
    expect(await leases.grant({ ...grantFor('flaky', 1, 1200), ...window })).toEqual([]);
    const [retry] = await leases.grant({ ...grantFor('other', 1, 1200), ...window });
    expect(retry.tile.id).toBe(first.tile.id);
    await outcomes.fail(retry.attempt.id, 'out of memory', 1300);
    // Later, with nobody else around, the first worker may try again.
    const [again] = await leases.grant({ ...grantFor('flaky', 1, 40_000), retryElsewhereBefore: 40_000 - 30_000 });
    expect(again.tile.id).toBe(first.tile.id);
  });

  it('a worker that fails three tiles of a job is blocklisted for that job only', async () => {
    const { job } = await submit(plannedJob({ cols: 4, rows: 1, maxAttempts: 5 }));
    const other = await submit(plannedJob({ cols: 1, rows: 1, createdAt: 5 }));
    const outcomesOf = [];
    for (let i = 0; i < 3; i++) {
      const [g] = await leases.grant(grantFor('broken', 1, 1000 + i));
      expect(g.job.id).toBe(job.id);
      outcomesOf.push(await outcomes.fail(g.attempt.id, 'segfault', 1000 + i, 3));
    }
    expect(outcomesOf.map((o) => o.blocklisted)).toEqual([false, false, true]);
    const next = await leases.grant(grantFor('broken', 5, 2000));
    expect(next.map((g) => g.job.id)).toEqual([other.job.id]);
    expect((await leases.grant(grantFor('healthy', 5, 2000))).map((g) => g.job.id)).toEqual(Array(4).fill(job.id));
  });

  describe('stragglers', () => {
    const policy = { factor: 3, minMs: 0, minSamples: 3 };

    /** Four tiles; three finish in 1 s each, the fourth stays with `slow`. Returns the slow lease. */
    async function nearlyDoneJob() {
      const { job } = await submit(plannedJob({ cols: 4, rows: 1 }));
      const [slow] = await leases.grant(grantFor('slow', 1, 1000));
      const fast = await leases.grant(grantFor('fast', 3, 1000));
      for (const g of fast) await outcomes.accept(g.attempt.id, facts, 2000);
      return { job, slow };
    }

    it('no backup while tiles are still pending', async () => {
      await submit(plannedJob({ cols: 4, rows: 1 }));
      const granted = await leases.grant(grantFor('w', 3, 1000));
      for (const g of granted.slice(0, 2)) await outcomes.accept(g.attempt.id, facts, 2000);
      expect(await leases.requestBackups(60_000, policy)).toBe(0);
    });

    it('a lease far slower than the median gets a backup on another worker; the first result wins', async () => {
      const { slow } = await nearlyDoneJob();
      expect(await leases.requestBackups(3500, policy)).toBe(0);
      expect(await leases.requestBackups(4500, policy)).toBe(1);
      expect(await leases.grant(grantFor('slow', 1, 4600))).toEqual([]);
      const [backup] = await leases.grant(grantFor('idle', 1, 4600));
      expect(backup).toMatchObject({ backup: true, tile: expect.objectContaining({ id: slow.tile.id }) });
      expect((await leases.renew('idle', [backup.attempt.id], 5000, TTL)).renewed).toHaveLength(1);
      expect((await leases.renew('slow', [slow.attempt.id], 5000, TTL)).renewed).toHaveLength(1);
      const won = await outcomes.accept(backup.attempt.id, facts, 6000);
      expect(won).toMatchObject({ accepted: true, frameComplete: true });
      expect((await leases.renew('slow', [slow.attempt.id], 6100, TTL)).abort).toEqual([slow.attempt.id]);
      expect(await outcomes.accept(slow.attempt.id, facts, 6200)).toEqual({ accepted: false, reason: `lease ${slow.attempt.id} is aborted` });
      const tile = await db.manager.findOneByOrFail(TileEntity, { id: slow.tile.id });
      expect(tile).toMatchObject({ state: 'accepted', leaseId: backup.attempt.id, backupLeaseId: null });
    });

    it('when the straggler\'s own lease expires, its backup carries the tile on', async () => {
      const { slow } = await nearlyDoneJob();
      await leases.requestBackups(4500, policy);
      const [backup] = await leases.grant(grantFor('idle', 1, 4600));
      await leases.renew('idle', [backup.attempt.id], 1000 + TTL, TTL);
      expect(await leases.expire(1000 + TTL + 1)).toBe(1);
      const tile = await db.manager.findOneByOrFail(TileEntity, { id: slow.tile.id });
      expect(tile).toMatchObject({ state: 'leased', leaseId: backup.attempt.id, backupLeaseId: null });
      expect((await outcomes.accept(backup.attempt.id, facts, 1000 + TTL + 2)).accepted).toBe(true);
    });

    it('a failed backup leaves the tile with its first lease', async () => {
      const { slow } = await nearlyDoneJob();
      await leases.requestBackups(4500, policy);
      const [backup] = await leases.grant(grantFor('idle', 1, 4600));
      expect(await outcomes.fail(backup.attempt.id, 'crashed', 4700)).toMatchObject({ retried: true, jobFailed: false });
      const tile = await db.manager.findOneByOrFail(TileEntity, { id: slow.tile.id });
      expect(tile).toMatchObject({ state: 'leased', leaseId: slow.attempt.id, backupLeaseId: null });
      expect((await outcomes.accept(slow.attempt.id, facts, 4800)).accepted).toBe(true);
    });
  });

  describe('payments', () => {
    const OPERATOR = 'operator-1';
    const price = (planned: PlannedJob) => estimateOf(planned).tilesPrice / planned.tiles.length;

    beforeEach(async () => {
      await db.transaction((m) => ledger.openAccount(m, { id: OPERATOR, name: 'Operator', role: 'operator' }));
      for (const id of ['w', 'w2', 'slow', 'fast', 'idle', 'restarted']) {
        await db.manager.insert(WorkerEntity, { id, name: id, capabilities: { renderers: [{ name: 'builtin', version: '1' }], cpuCores: 1, memoryMiB: 1024, gpus: [], slots: 1 }, operatorId: OPERATOR, registeredAt: 0, lastSeenAt: 0 });
      }
    });

    it('every accepted tile is paid once, through duplicates, failures, expiry, a backup and a restart; completion settles to the micro-credit', async () => {
      const planned = plannedJob({ frames: [1], cols: 4, rows: 1 });
      const { job } = await submit(planned);
      const [a, b, c, d] = await leases.grant(grantFor('w', 4, 1000));
      // a: accepted, then delivered twice more (JetStream redelivery).
      for (let i = 0; i < 3; i++) await outcomes.accept(a.attempt.id, facts, 1100 + i);
      // b: fails, retried on another worker, accepted there.
      await outcomes.fail(b.attempt.id, 'crashed', 1200);
      const [retry] = await leases.grant(grantFor('w2', 1, 1300));
      await outcomes.accept(retry.attempt.id, facts, 1400);
      // c: its worker restarts; the late result of the old lease is refused, the new one paid.
      await leases.releaseAll('w', 1500, 'worker registered again');
      expect((await outcomes.accept(c.attempt.id, facts, 1600)).accepted).toBe(false);
      const regranted = await leases.grant(grantFor('restarted', 2, 1700));
      for (const g of regranted) await outcomes.accept(g.attempt.id, facts, 1800);
      expect(regranted.map((g) => g.tile.id).sort()).toEqual([c.tile.id, d.tile.id].sort());
      const paid = await db.manager.findBy(LedgerTransactionEntity, { jobId: job.id, kind: 'tile_payment' });
      expect(paid.map((t) => t.tileId).sort()).toEqual(planned.tiles.map((t) => t.id).sort());
      for (const frame of await jobs.frames(job.id)) {
        expect(await frames.claimStitch(frame.id, 2000, 0)).toBe(true);
        expect(await frames.markStitched(frame.id, 'k', 't', 2100)).toEqual({ jobCompleted: true });
      }
      const tiles = estimateOf(planned).tilesPrice;
      expect(tiles).toBe(4 * 3_072);
      expect(await ledger.balance(OPERATOR)).toMatchObject({ available: 4 * splitFee(3_072, FEE_BASIS_POINTS).payout, pending: 0 });
      expect(await ledger.balance(ARTIST_ID)).toMatchObject({ available: 1_000_000_000 - tiles, held: 0 });
      expect(await ledger.jobStatement(job.id)).toMatchObject({ settled: true, cost: tiles, escrowLeft: 0, allowanceLeft: 0 });
      expect(await ledger.totals()).toBe(0);
    });

    it('a cancelled job pays what was accepted and refunds the rest', async () => {
      const planned = plannedJob({ cols: 2, rows: 2 });
      const { job } = await submit(planned);
      const [g] = await leases.grant(grantFor('w', 1));
      await outcomes.accept(g.attempt.id, facts, 2000);
      await jobs.cancel(job.id, 3000);
      expect(await ledger.balance(OPERATOR)).toMatchObject({ available: splitFee(price(planned), FEE_BASIS_POINTS).payout, pending: 0 });
      expect(await ledger.balance(ARTIST_ID)).toMatchObject({ available: 1_000_000_000 - price(planned), held: 0 });
    });

    it('a failed job settles too: its accepted tiles are paid, the rest refunded', async () => {
      const planned = plannedJob({ cols: 2, rows: 1, maxAttempts: 1 });
      const { job } = await submit(planned);
      const [ok, bad] = await leases.grant(grantFor('w', 2));
      await outcomes.accept(ok.attempt.id, facts, 2000);
      expect(await outcomes.fail(bad.attempt.id, 'crashed', 2100)).toMatchObject({ jobFailed: true });
      expect(await ledger.jobStatement(job.id)).toMatchObject({ settled: true, cost: price(planned) });
    });

    it('a worker no operator registered renders for free: its tiles are accepted and not charged', async () => {
      const planned = plannedJob({ cols: 1, rows: 1 });
      const { job } = await submit(planned);
      const [g] = await leases.grant(grantFor('anonymous', 1));
      expect((await outcomes.accept(g.attempt.id, facts, 2000)).accepted).toBe(true);
      await jobs.cancel(job.id, 3000);
      expect(await ledger.jobStatement(job.id)).toMatchObject({ settled: true, cost: 0 });
    });

    it('a job the balance cannot cover is not recorded at all', async () => {
      const huge = plannedJob({ cols: 1, rows: 1 });
      const estimate = { tilesPrice: 2_000_000_000, allowance: 0 };
      await expect(jobs.insertPlanned(huge, estimate)).rejects.toThrow(/missing/);
      expect(await jobs.findById(huge.job.id)).toBeNull();
      expect(await db.manager.countBy(TileEntity, { jobId: huge.job.id })).toBe(0);
    });
  });

  it('a worker that registers again gets back none of the leases it held before', async () => {
    await submit(plannedJob({ cols: 2, rows: 1 }));
    const held = await leases.grant(grantFor('restarted', 2));
    expect((await leases.releaseAll('restarted', 1500, 'worker registered again')).sort()).toEqual(held.map((g) => g.attempt.id).sort());
    expect(await jobs.tileCounts(held[0].job.id)).toMatchObject({ pending: 2, leased: 0 });
  });
});

describe('migrations on PostgreSQL', () => {
  it('several processes opening one empty database at once migrate it once', async () => {
    const postgres = await startPostgres();
    try {
      const url = await postgres.createDatabase('concurrent_migrations');
      const handles = await Promise.all(Array.from({ length: 4 }, () => Database.open({ kind: 'postgres', url })));
      const rows: Array<{ name: string }> = await handles[0].manager.query('SELECT name FROM migrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((migration) => new migration().name));
      await Promise.all(handles.map((h) => h.close()));
    } finally {
      await postgres.stop();
    }
  }, 120_000);
});

describe('renewals on PostgreSQL', () => {
  it('a heartbeat that meets a concurrent expiry aborts the lease rather than renewing it', async () => {
    const postgres = await startPostgres();
    try {
      const db = await Database.open({ kind: 'postgres', url: await postgres.createDatabase('renew_race') });
      const ledger = new LedgerRepository(db);
      const leases = new LeaseRepository(db);
      await db.transaction((m) => ledger.openAccount(m, { id: ARTIST_ID, name: 'Artist', role: 'artist' }));
      await ledger.credit(ARTIST_ID, 1_000_000_000, 'scenario');
      await new SceneRepository(db).saveIfAbsent(scene(), { accountId: ARTIST_ID, name: 'test.scene.json', now: 0 });
      const planned = plannedJob({ cols: 1, rows: 1 });
      await new JobRepository(db, ledger).insertPlanned(planned, estimateOf(planned));
      const [lease] = await leases.grant(grantFor('worker-a', 1));
      // Another coordinator's sweep expires the lease and has not committed yet when the heartbeat is read.
      const sweep = db.dataSource.createQueryRunner();
      await sweep.connect();
      await sweep.startTransaction('READ COMMITTED');
      await sweep.query(`UPDATE attempts SET state = 'expired' WHERE id = $1 AND state = 'active'`, [lease.attempt.id]);
      await sweep.query(`UPDATE tiles SET state = 'pending', "leaseId" = NULL, "leaseExpiresAt" = NULL WHERE id = $1`, [lease.tile.id]);
      const renewing = leases.renew('worker-a', [lease.attempt.id], 5_000, TTL);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sweep.commitTransaction();
      await sweep.release();
      expect(await renewing).toEqual({ renewed: [], abort: [lease.attempt.id] });
      expect(await db.manager.findOneByOrFail(AttemptEntity, { id: lease.attempt.id })).toMatchObject({ state: 'expired', expiresAt: lease.attempt.expiresAt });
      await db.close();
    } finally {
      await postgres.stop();
    }
  }, 120_000);
});

import {
  CheckEntity, CheckRepository, Database, FrameRepository, JobBlocklistEntity, JobRepository, LeaseRepository, LedgerRepository, SceneRepository,
  TileEntity, TileOutcomeRepository, WorkerEntity, type CheckDecider, type DatabaseConfig, type PlannedJob,
} from '@tessera/persistence';
import { startPostgres, tempDir, type PostgresHarness, type TempDir } from '@tessera/testing';
import { join } from 'node:path';
import { ARTIST_ID, estimateOf, facts, plannedJob, scene } from './plan.fixture';

const TTL = 10_000;
const WAIT = 5_000;
const grantFor = (workerId: string, max: number, now: number, operatorId: string | null, versions = [facts.rendererVersion]) => ({
  workerId, operatorId, builds: versions.map((version) => ({ name: 'builtin', version })), renderers: ['builtin'], max, now, ttlMs: TTL,
});
/** Checks every result, with one patch: the top-left quarter of the tile. */
const always: CheckDecider = (_reputation, tile) => ({
  kind: 'patches', regions: [{ x: tile.x, y: tile.y, width: Math.ceil(tile.width / 2), height: Math.ceil(tile.height / 2) }], otherOperatorWaitMs: WAIT,
});

// The spot-check life cycle in the database, on both databases: who may take a check, what a verdict does.
describe.each(['sqlite', 'postgres'] as const)('spot-checks on %s', (kind) => {
  let postgres: PostgresHarness | undefined;
  let dir: TempDir | undefined;
  let counter = 0;
  let db: Database;
  let ledger: LedgerRepository;
  let jobs: JobRepository;
  let leases: LeaseRepository;
  let outcomes: TileOutcomeRepository;
  let frames: FrameRepository;
  let checks: CheckRepository;

  beforeAll(async () => {
    if (kind === 'postgres') postgres = await startPostgres();
    else dir = await tempDir('spot-checks');
  }, 120_000);
  afterAll(async () => {
    await postgres?.stop();
    await dir?.remove();
  });
  beforeEach(async () => {
    counter += 1;
    const config: DatabaseConfig =
      kind === 'postgres'
        ? { kind, url: await (postgres as PostgresHarness).createDatabase(`checks_${counter}`) }
        : { kind, path: join((dir as TempDir).path, `checks-${counter}.sqlite`) };
    db = await Database.open(config);
    ledger = new LedgerRepository(db);
    jobs = new JobRepository(db, ledger);
    leases = new LeaseRepository(db);
    outcomes = new TileOutcomeRepository(db, ledger);
    frames = new FrameRepository(db, ledger);
    checks = new CheckRepository(db, ledger);
    await db.transaction(async (m) => {
      await ledger.openAccount(m, { id: ARTIST_ID, name: 'Artist', role: 'artist' });
      for (const id of ['op-a', 'op-b']) await ledger.openAccount(m, { id, name: id, role: 'operator' });
    });
    await ledger.credit(ARTIST_ID, 1_000_000_000, 'checks');
    await new SceneRepository(db).saveIfAbsent(scene(), { accountId: ARTIST_ID, name: 'scene', now: 0 });
    for (const [id, operatorId] of [['cheat', 'op-a'], ['mate', 'op-a'], ['other', 'op-b'], ['third', null]] as const) {
      await db.manager.insert(WorkerEntity, {
        id, name: id, operatorId, flaggedAt: null, flagReason: null, registeredAt: 0, lastSeenAt: 0,
        capabilities: { renderers: [{ name: 'builtin', version: '1' }], cpuCores: 1, memoryMiB: 1024, gpus: [], slots: 1 },
      });
    }
  });
  afterEach(async () => {
    await db.close();
  });

  const submit = (planned: PlannedJob) => jobs.insertPlanned(planned, estimateOf(planned));
  const checkTiles = (checkId: string) => db.manager.find(TileEntity, { where: { checkId }, order: { purpose: 'ASC' } });

  /** `cheat` renders the only tile of a one-tile job, and the result is checked. */
  async function checkedTile(now = 1_000) {
    const planned = plannedJob({ cols: 1, rows: 1 });
    await submit(planned);
    const [lease] = await leases.grant(grantFor('cheat', 1, now, 'op-a'));
    const accepted = await outcomes.accept(lease.attempt.id, facts, now + 100, always);
    const check = await db.manager.findOneByOrFail(CheckEntity, { tileId: lease.tile.id });
    return { planned, lease, accepted, check };
  }

  it('a checked tile holds its frame back; the check goes to another operator first, to the same operator only after the wait', async () => {
    const { accepted, check } = await checkedTile();
    expect(accepted).toMatchObject({ accepted: true, frameComplete: false, checkId: null });
    expect(check).toMatchObject({ state: 'open', stage: 'check', subjectWorkerId: 'cheat', kind: 'patches' });
    expect(await frames.awaitingStitch(10_000)).toEqual([]);
    expect(await leases.grant(grantFor('cheat', 1, 1_200, 'op-a'))).toEqual([]);
    expect(await leases.grant(grantFor('mate', 1, 1_200, 'op-a'))).toEqual([]);
    // Another operator's worker with another build of the renderer never: honest builds may differ in the last bits.
    expect(await leases.grant(grantFor('other', 1, 1_200, 'op-b', ['builtin-2']))).toEqual([]);
    const [region] = await leases.grant(grantFor('mate', 1, 1_100 + WAIT + 1, 'op-a'));
    expect(region.tile).toMatchObject({ purpose: 'check', checkId: check.id, width: 32, height: 24 });
    // The subject's own worker never, however long the check waits.
    await leases.release('mate', [region.attempt.id], 50_000, 'test');
    expect(await leases.grant(grantFor('cheat', 1, 60_000, 'op-a'))).toEqual([]);
  });

  it('a check that agrees verifies the tile and lets the frame be stitched; the checker is paid from the allowance', async () => {
    const { check, lease } = await checkedTile();
    const [region] = await leases.grant(grantFor('other', 1, 1_200, 'op-b'));
    const accepted = await outcomes.accept(region.attempt.id, facts, 1_300);
    expect(accepted).toMatchObject({ accepted: true, checkId: check.id, frameComplete: false });
    expect((await checks.stage(check.id))?.complete).toBe(true);
    // Listed for the sweeper until resolved, in case the comparison never ran.
    expect(await checks.completeStages()).toEqual([check.id]);
    const resolution = await checks.resolve(check.id, 'check', { verdict: 'agreed' }, 1_400);
    expect(await checks.completeStages()).toEqual([]);
    expect(resolution).toMatchObject({ state: 'passed', framesToStitch: [lease.tile.frameId], penalised: null });
    expect(await db.manager.findOneByOrFail(TileEntity, { id: lease.tile.id })).toMatchObject({ state: 'accepted', verifiedAt: 1_400 });
    expect(await checks.resolve(check.id, 'check', { verdict: 'agreed' }, 1_500)).toBeNull();
    const statement = await ledger.jobStatement(lease.job.id);
    expect(statement?.allowanceLeft).toBeLessThan(statement?.allowance as number);
    expect((await ledger.balance('op-b')).pending).toBeGreaterThan(0);
  });

  it('a mismatch goes to a third worker of neither operator; when it sides with the check, the cheater is penalised', async () => {
    const planned = plannedJob({ cols: 2, rows: 1 });
    const { job } = await submit(planned);
    const [first, second] = await leases.grant(grantFor('cheat', 2, 1_000, 'op-a'));
    await outcomes.accept(first.attempt.id, facts, 1_100, always);
    await outcomes.accept(second.attempt.id, facts, 1_100);
    expect((await ledger.balance('op-a')).pending).toBeGreaterThan(0);
    const check = await db.manager.findOneByOrFail(CheckEntity, { tileId: first.tile.id });
    const [region] = await leases.grant(grantFor('other', 1, 1_200, 'op-b'));
    await outcomes.accept(region.attempt.id, { ...facts, pixelSha256: 'c'.repeat(64) }, 1_300);
    const mismatch = { x: region.tile.x, y: region.tile.y, width: region.tile.width, height: region.tile.height, checkerWorkerId: 'other' };
    expect(await checks.resolve(check.id, 'check', { verdict: 'needs-third', regions: [mismatch] }, 1_400, WAIT)).toMatchObject({ state: 'arbitration' });
    // Neither the cheater's operator nor the checker's may arbitrate (until the wait), and never either worker.
    expect(await leases.grant(grantFor('other', 1, 1_500, 'op-b'))).toEqual([]);
    expect(await leases.grant(grantFor('mate', 1, 1_500, 'op-a'))).toEqual([]);
    const [third] = await leases.grant(grantFor('third', 1, 1_500, null));
    expect(third.tile).toMatchObject({ purpose: 'arbitration', checkId: check.id });
    await outcomes.accept(third.attempt.id, { ...facts, pixelSha256: 'c'.repeat(64) }, 1_600);
    expect((await checks.stage(check.id))?.complete).toBe(true);
    const resolution = await checks.resolve(check.id, 'arbitration', { verdict: 'original-invalid', reason: 'the third sides with the check' }, 1_700);
    // Both of the cheater's tiles go back (the second was never verified), its earnings on the job are forfeited.
    expect(resolution).toMatchObject({ state: 'failed', penalised: 'cheat', rejectedTiles: 2, framesToStitch: [] });
    expect(await jobs.tileCounts(job.id)).toMatchObject({ pending: 2, accepted: 0 });
    expect((await jobs.frames(job.id))[0].tilesAccepted).toBe(0);
    expect(await db.manager.findOneBy(JobBlocklistEntity, { jobId: job.id, workerId: 'cheat' })).not.toBeNull();
    expect(await db.manager.findOneByOrFail(WorkerEntity, { id: 'cheat' })).toMatchObject({ flaggedAt: 1_700 });
    expect((await ledger.balance('op-a')).pending).toBe(0);
    expect(await checks.reputation(db.manager, { workerId: 'cheat', rendererVersion: facts.rendererVersion, deviceClass: facts.device })).toMatchObject({ consecutiveValid: 0 });
    // The cheater gets none of the job's tiles again; honest workers render them and are paid.
    expect(await leases.grant(grantFor('cheat', 2, 1_800, 'op-a'))).toEqual([]);
    const redo = await leases.grant(grantFor('other', 2, 1_800, 'op-b'));
    expect(redo.map((g) => g.tile.purpose)).toEqual(['render', 'render']);
    for (const g of redo) expect(await outcomes.accept(g.attempt.id, facts, 1_900)).toMatchObject({ accepted: true, frameComplete: g === redo[1] });
  });

  it('a check whose regions cannot be rendered is dropped, not the job: the frame is stitched with the original', async () => {
    const { check, lease } = await checkedTile();
    for (let i = 0; i < 3; i++) {
      const [region] = await leases.grant(grantFor('other', 1, 2_000 + i * 10, 'op-b'));
      await outcomes.fail(region.attempt.id, 'out of memory', 2_001 + i * 10);
    }
    expect(await db.manager.findOneByOrFail(CheckEntity, { id: check.id })).toMatchObject({ state: 'abandoned' });
    expect((await jobs.findById(lease.job.id))?.state).toBe('running');
    expect((await frames.awaitingStitch(10_000)).map((f) => f.id)).toEqual([lease.tile.frameId]);
  });

  it('a check no worker takes is dropped after the timeout', async () => {
    const { check, lease } = await checkedTile();
    expect(await checks.abandonStale(0, 5_000)).toEqual([]);
    expect(await checks.abandonStale(check.createdAt + 1, 5_000)).toEqual([lease.tile.frameId]);
    expect(await checkTiles(check.id)).toEqual([expect.objectContaining({ state: 'cancelled' })]);
  });

  it('a check that no connected worker may take is dropped without waiting for the timeout', async () => {
    const { check, lease } = await checkedTile(1_000);
    // Only the subject's own worker is still heartbeating.
    await db.manager.update(WorkerEntity, { id: 'cheat' }, { lastSeenAt: 50_000 });
    expect(await checks.abandonStale(0, 50_000, 40_000)).toEqual([lease.tile.frameId]);
    expect(await db.manager.findOneByOrFail(CheckEntity, { id: check.id })).toMatchObject({ state: 'abandoned' });
  });

  it('a check that a connected worker may take is kept', async () => {
    const { check } = await checkedTile(1_000);
    await db.manager.update(WorkerEntity, { id: 'other' }, { lastSeenAt: 50_000 });
    expect(await checks.abandonStale(0, 50_000, 40_000)).toEqual([]);
    expect(await db.manager.findOneByOrFail(CheckEntity, { id: check.id })).toMatchObject({ state: 'open' });
  });

  it('cancelling the job abandons its open checks', async () => {
    const { check, lease } = await checkedTile();
    await jobs.cancel(lease.job.id, 3_000);
    expect(await db.manager.findOneByOrFail(CheckEntity, { id: check.id })).toMatchObject({ state: 'abandoned' });
  });
});

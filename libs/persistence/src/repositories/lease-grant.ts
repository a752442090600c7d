import { randomUUID } from 'node:crypto';
import { IsNull, type EntityManager, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { jobTransition, satisfiesVersion, tileTransition } from '@tessera/domain';
import type { Database } from '../database';
import { AttemptEntity, JobEntity, TileEntity } from '../entities';

export interface GrantRequest {
  workerId: string;
  /** The worker's operator: a check region is never leased to a worker of the operator it checks. */
  operatorId?: string | null;
  /**
   * The renderer builds the worker has (name and version, as in its registration): a check region goes only
   * to a worker with the build it checks, and a job that asks for a version range only to a worker in it.
   */
  builds?: Array<{ name: string; version: string }>;
  renderers: string[];
  max: number;
  /**
   * The most leases the worker may hold at once, counting those whose results wait to be accepted: a worker
   * at the limit gets nothing until the coordinator has caught up with its results (flow control: without
   * it a coordinator that falls behind hands out ever more tiles, whose results then wait ever longer).
   */
  holdLimit?: number;
  now: number;
  ttlMs: number;
  /**
   * A tile this worker failed is offered to it again only if it failed before this instant: a retry goes to
   * another worker where one is free, and still happens when this worker is the only one.
   */
  retryElsewhereBefore?: number;
}

export interface GrantedLease {
  attempt: AttemptEntity;
  tile: TileEntity;
  job: JobEntity;
  /** A second lease of a straggling tile, running beside the first. */
  backup: boolean;
}

export function tileOutputKey(jobId: string, tileId: string, attemptId: string): string {
  // One key per attempt: a late or duplicate upload can never overwrite the output that was accepted.
  return `jobs/${jobId}/tiles/${tileId}/${attemptId}.png`;
}

/** The renderer's log of one attempt, next to its output. */
export function tileLogKey(jobId: string, tileId: string, attemptId: string): string {
  return `jobs/${jobId}/tiles/${tileId}/${attemptId}.log`;
}

/** What keeps a worker away from a check region: itself, and its operator. */
export const excludedWorker = (workerId: string) => `worker:${workerId}`;
export const excludedOperator = (operatorId: string) => `operator:${operatorId}`;

/**
 * The tiles a worker may take: of running or queued jobs it can render, not blocklisted for, not a tile it
 * failed recently, and not a check region of its own (or its operator's) work. No state and no order: the
 * callers add them. On PostgreSQL the rows are locked SKIP LOCKED.
 */
function eligible(db: Database, manager: EntityManager, request: GrantRequest, outOfRange: string[]): SelectQueryBuilder<TileEntity> {
  const versions = (request.builds ?? []).map((b) => b.version);
  const excluded = [excludedWorker(request.workerId), ...(request.operatorId ? [excludedOperator(request.operatorId)] : [])];
  const query = jobsTheWorkerMayTake(manager.createQueryBuilder(TileEntity, 't').innerJoin(JobEntity, 'j', 'j.id = t.jobId'), request, outOfRange)
    .andWhere('(t.lastFailedWorkerId IS NULL OR t.lastFailedWorkerId <> :workerId OR t.lastFailedAt < :retryBefore)', {
      retryBefore: request.retryElsewhereBefore ?? request.now,
    })
    .andWhere('NOT EXISTS (SELECT 1 FROM tile_exclusions x WHERE x."tileId" = t.id AND x.excluded IN (:...excluded) AND (x."until" IS NULL OR x."until" > :now))', {
      excluded,
      now: request.now,
    })
    .andWhere('(t.requiredVersion IS NULL OR t.requiredVersion IN (:...versions))', { versions: versions.length ? versions : [''] });
  return db.kind === 'postgres' ? query.setLock('pessimistic_write', undefined, ['t']).setOnLocked('skip_locked') : query;
}

const ACTIVE_JOB_STATES = ['queued', 'running'];

/**
 * The job conditions of a grant, on the query's `j` (jobs): queued or running, a renderer the worker has, not
 * blocklisted for the worker, and not asking for a renderer version the worker lacks.
 */
function jobsTheWorkerMayTake<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, request: GrantRequest, outOfRange: string[]): SelectQueryBuilder<T> {
  return query
    .andWhere('j.state IN (:...jobStates)', { jobStates: ACTIVE_JOB_STATES })
    .andWhere('j.renderer IN (:...renderers)', { renderers: request.renderers })
    .andWhere('NOT EXISTS (SELECT 1 FROM job_blocklist b WHERE b."jobId" = j.id AND b."workerId" = :workerId)', { workerId: request.workerId })
    .andWhere('j.id NOT IN (:...outOfRange)', { outOfRange: outOfRange.length ? outOfRange : [''] });
}

/**
 * Up to `request.max` pending tiles in grant order: check and arbitration regions first (an open check holds its
 * frame back from stitching), then by job (higher priority, then older), and in a job by frame and tile order
 * (frames finish early, so stitched images appear while the rest of the job renders). A job's tiles are read
 * in that order through IDX_tiles_grant_order, stopping at the few needed, so a request costs the same in a
 * job of 200 tiles as in one of 20,000.
 */
async function pendingCandidates(db: Database, manager: EntityManager, request: GrantRequest, outOfRange: string[]): Promise<TileEntity[]> {
  const found = await eligible(db, manager, request, outOfRange)
    .andWhere('t.state = :pending AND t.purpose IN (:...regions)', { pending: 'pending', regions: ['check', 'arbitration'] })
    .orderBy('j.priority', 'DESC')
    .addOrderBy('j.createdAt', 'ASC')
    .addOrderBy('t.frame', 'ASC')
    .addOrderBy('t.index', 'ASC')
    .limit(request.max)
    .getMany();
  for (const jobId of await jobsInGrantOrder(manager, request, outOfRange)) {
    if (found.length >= request.max) break;
    const tiles = await eligible(db, manager, request, outOfRange)
      .andWhere('t.jobId = :jobId AND t.state = :pending AND t.purpose = :render', { jobId, pending: 'pending', render: 'render' })
      .orderBy('t.frame', 'ASC')
      .addOrderBy('t.index', 'ASC')
      .limit(request.max - found.length)
      .getMany();
    found.push(...tiles);
  }
  return found;
}

/** The ids of the active jobs with pending tiles a worker may render, higher priority first, then older first. */
async function jobsInGrantOrder(manager: EntityManager, request: GrantRequest, outOfRange: string[]): Promise<string[]> {
  const jobs: Array<Pick<JobEntity, 'id'>> = await jobsTheWorkerMayTake(manager.createQueryBuilder(JobEntity, 'j').select(['j.id']), request, outOfRange)
    // Only jobs with a tile to give (through IDX_tiles_grant_order): near their ends many jobs have none, and
    // idle workers ask every 500 ms.
    .andWhere(`EXISTS (SELECT 1 FROM tiles p WHERE p."jobId" = j.id AND p.state = 'pending' AND p.purpose = 'render')`)
    .orderBy('j.priority', 'DESC')
    .addOrderBy('j.createdAt', 'ASC')
    .getMany();
  return jobs.map((j) => j.id);
}

/**
 * Finds tiles for a worker and leases them, all in one transaction: two coordinators answering two workers at
 * the same moment must never hand out the same tile. Each tile is moved by an UPDATE guarded by its state, so
 * a tile taken in between is skipped, not shared. Pending tiles first; free slots left over take backup
 * leases of stragglers that another worker is rendering.
 */
export async function grantLeases(db: Database, manager: EntityManager, wanted: GrantRequest): Promise<GrantedLease[]> {
  const granted: GrantedLease[] = [];
  const held = wanted.holdLimit === undefined ? 0 : await manager.countBy(AttemptEntity, { workerId: wanted.workerId, state: 'active' });
  const request = { ...wanted, max: Math.min(wanted.max, (wanted.holdLimit ?? Infinity) - held) };
  if (request.max <= 0) return granted;
  const jobs = new Map<string, JobEntity>();
  const outOfRange = await jobsOutOfRange(manager, request);
  const pending = await pendingCandidates(db, manager, request, outOfRange);
  for (const tile of pending) {
    const attempt = newAttempt(tile, request);
    const moved = await manager.update(
      TileEntity,
      { id: tile.id, state: 'pending' },
      { state: tileTransition('pending', { type: 'lease' }), attempts: attempt.number, leaseId: attempt.id, leaseExpiresAt: attempt.expiresAt },
    );
    if (moved.affected !== 1) continue;
    await manager.insert(AttemptEntity, attempt);
    const job = await startJob(manager, jobs, tile.jobId, request.now);
    granted.push({ attempt, tile: { ...tile, state: 'leased', attempts: attempt.number, leaseId: attempt.id, leaseExpiresAt: attempt.expiresAt }, job, backup: false });
  }
  if (granted.length >= request.max) return granted;
  // Near a job's end only (no pending tile left to fill the slots), and few: ordered as check regions first.
  const stragglers = await eligible(db, manager, request, outOfRange)
    .innerJoin(AttemptEntity, 'primary', 'primary.id = t.leaseId')
    .andWhere('t.state = :leased', { leased: 'leased' })
    .andWhere('t.backupRequestedAt IS NOT NULL AND t.backupLeaseId IS NULL')
    .andWhere('primary.workerId <> :workerId')
    .orderBy(`CASE WHEN t.purpose = 'render' THEN 1 ELSE 0 END`, 'ASC')
    .addOrderBy('j.priority', 'DESC')
    .addOrderBy('j.createdAt', 'ASC')
    .addOrderBy('t.frame', 'ASC')
    .addOrderBy('t.index', 'ASC')
    .limit(request.max - granted.length)
    .getMany();
  for (const tile of stragglers) {
    const attempt = newAttempt(tile, request);
    const moved = await manager.update(
      TileEntity,
      { id: tile.id, state: 'leased', leaseId: tile.leaseId as string, backupLeaseId: IsNull() },
      { attempts: attempt.number, backupLeaseId: attempt.id },
    );
    if (moved.affected !== 1) continue;
    await manager.insert(AttemptEntity, attempt);
    const job = await startJob(manager, jobs, tile.jobId, request.now);
    granted.push({ attempt, tile: { ...tile, attempts: attempt.number, backupLeaseId: attempt.id }, job, backup: true });
  }
  return granted;
}

/**
 * The active jobs whose renderer version range this worker's builds do not satisfy. Ranges are semver, which
 * SQL cannot compare, and few jobs at a time ask for one: they are read and matched here.
 */
async function jobsOutOfRange(manager: EntityManager, request: GrantRequest): Promise<string[]> {
  const ranged: Array<Pick<JobEntity, 'id' | 'renderer' | 'rendererVersion'>> = await manager
    .createQueryBuilder(JobEntity, 'j')
    .select(['j.id', 'j.renderer', 'j.rendererVersion'])
    .where('j.state IN (:...states) AND j.rendererVersion IS NOT NULL', { states: ACTIVE_JOB_STATES })
    .getMany();
  const builds = request.builds ?? [];
  return ranged
    .filter((job) => !builds.some((b) => b.name === job.renderer && satisfiesVersion(b.version, job.rendererVersion)))
    .map((job) => job.id);
}

function newAttempt(tile: TileEntity, request: GrantRequest): AttemptEntity {
  const id = randomUUID();
  return Object.assign(new AttemptEntity(), {
    id,
    tileId: tile.id,
    jobId: tile.jobId,
    workerId: request.workerId,
    number: tile.attempts + 1,
    state: 'active' as const,
    outputKey: tileOutputKey(tile.jobId, tile.id, id),
    grantedAt: request.now,
    expiresAt: request.now + request.ttlMs,
    finishedAt: null,
    pixelSha256: null,
    renderSeconds: null,
    device: null,
    rendererVersion: null,
    error: null,
  });
}

/** The job of a granted tile; a queued job starts running with its first lease. */
async function startJob(manager: EntityManager, jobs: Map<string, JobEntity>, jobId: string, now: number): Promise<JobEntity> {
  const known = jobs.get(jobId);
  if (known) return known;
  const job = await manager.findOneByOrFail(JobEntity, { id: jobId });
  if (job.state === 'queued') {
    const running = jobTransition('queued', 'start');
    await manager.update(JobEntity, { id: job.id, state: 'queued' }, { state: running, startedAt: now });
    Object.assign(job, { state: running, startedAt: now });
  }
  jobs.set(jobId, job);
  return job;
}

import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Region } from '@tessera/contracts';
import { TILE_STATES, type JobEstimate, type TileState } from '@tessera/domain';
import { Database } from '../database';
import { LedgerRepository } from './ledger.repository';
import { stopJob } from './tile-outcome.repository';
import { AttemptEntity, FrameEntity, JobEntity, TileEntity } from '../entities';

export type TileCounts = Record<TileState, number>;

export interface PlannedJob {
  job: JobEntity;
  frames: FrameEntity[];
  tiles: TileEntity[];
}

const INSERT_CHUNK = 500;

/** The rows of a planned job: one frame per frame number, and the same tiling for every frame, all pending. */
export function planRows(job: JobEntity, regions: readonly Region[]): PlannedJob {
  const frames: FrameEntity[] = [];
  const tiles: TileEntity[] = [];
  for (const frame of job.frames) {
    const frameId = randomUUID();
    frames.push(Object.assign(new FrameEntity(), {
      id: frameId, jobId: job.id, frame, state: 'pending' as const, tilesTotal: regions.length, tilesAccepted: 0,
      outputKey: null, thumbnailKey: null, stitchStartedAt: null, stitchedAt: null,
    }));
    regions.forEach((region, index) =>
      tiles.push(Object.assign(new TileEntity(), {
        id: randomUUID(), jobId: job.id, frameId, frame, index, ...region, purpose: 'render' as const, checkId: null, requiredVersion: null, verifiedAt: null, state: 'pending' as const,
        attempts: 0, failures: 0, leaseId: null, leaseExpiresAt: null, outputKey: null, pixelSha256: null,
        error: null, lastFailedWorkerId: null, lastFailedAt: null, backupLeaseId: null, backupRequestedAt: null,
      })),
    );
  }
  return { job, frames, tiles };
}

export class JobRepository {
  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerRepository,
  ) {}

  findById(id: string): Promise<JobEntity | null> {
    return this.db.manager.findOneBy(JobEntity, { id });
  }

  /** The job if `accountId` owns it (any job for null: an admin); to anyone else it does not exist. */
  async findOwned(id: string, accountId: string | null): Promise<JobEntity | null> {
    const job = await this.findById(id);
    return job && (accountId === null || job.accountId === accountId) ? job : null;
  }

  findByIdempotencyKey(accountId: string, key: string): Promise<JobEntity | null> {
    return this.db.manager.findOneBy(JobEntity, { accountId, idempotencyKey: key });
  }

  /**
   * Newest first: one account's jobs, or everyone's (null, for an admin). `before` is the last job of the
   * previous page: the page goes on after it in the same order (createdAt descending, then id), so jobs
   * submitted meanwhile neither repeat nor push others off the page.
   */
  list(accountId: string | null, limit: number, state?: string, before?: JobEntity): Promise<JobEntity[]> {
    const query = this.db.manager.createQueryBuilder(JobEntity, 'j').orderBy('j.createdAt', 'DESC').addOrderBy('j.id', 'ASC').limit(limit);
    if (accountId !== null) query.andWhere('j.accountId = :accountId', { accountId });
    if (state) query.andWhere('j.state = :state', { state });
    if (before) query.andWhere('(j.createdAt < :at OR (j.createdAt = :at AND j.id > :id))', { at: before.createdAt, id: before.id });
    return query.getMany();
  }

  /**
   * Records a job with all its frames and tiles, and holds its estimate in escrow from its account, in one
   * transaction: a job is never seen half-planned, nor running unpaid for, and a refused escrow
   * (InsufficientCreditsError) records nothing. Under an idempotency key, a concurrent duplicate loses on the
   * unique index and the winner is returned; only the winner held credits.
   */
  async insertPlanned(planned: PlannedJob, estimate: Pick<JobEstimate, 'tilesPrice' | 'allowance'>): Promise<{ job: JobEntity; created: boolean }> {
    const { job } = planned;
    if (!job.accountId) throw new Error(`job ${job.id} has no account to charge`);
    try {
      await this.db.transaction(async (manager) => {
        await manager.insert(JobEntity, job);
        await insertChunked(manager, FrameEntity, planned.frames);
        await insertChunked(manager, TileEntity, planned.tiles);
        await this.ledger.holdEscrow(manager, { artistId: job.accountId as string, jobId: job.id, estimate });
      });
      return { job, created: true };
    } catch (error) {
      const winner = job.idempotencyKey ? await this.findByIdempotencyKey(job.accountId, job.idempotencyKey) : null;
      if (winner) return { job: winner, created: false };
      throw error;
    }
  }

  async tileCounts(jobId: string): Promise<TileCounts> {
    const rows: Array<{ state: TileState; count: string | number }> = await this.db.manager
      .createQueryBuilder(TileEntity, 't')
      .select('t.state', 'state')
      .addSelect('COUNT(*)', 'count')
      .where("t.jobId = :jobId AND t.purpose = 'render'", { jobId })
      .groupBy('t.state')
      .getRawMany();
    const counts = Object.fromEntries(TILE_STATES.map((s) => [s, 0])) as TileCounts;
    for (const row of rows) counts[row.state] = Number(row.count);
    return counts;
  }

  frames(jobId: string): Promise<FrameEntity[]> {
    return this.db.manager.find(FrameEntity, { where: { jobId }, order: { frame: 'ASC' } });
  }

  frame(jobId: string, frame: number): Promise<FrameEntity | null> {
    return this.db.manager.findOneBy(FrameEntity, { jobId, frame });
  }

  /** The most recent attempt errors of a job, newest first, for the job's status. */
  recentErrors(jobId: string, limit: number): Promise<AttemptEntity[]> {
    return this.db.manager
      .createQueryBuilder(AttemptEntity, 'a')
      .where('a.jobId = :jobId AND a.error IS NOT NULL', { jobId })
      .orderBy('a.finishedAt', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** The attempts (leases) of one tile of a job, newest first. */
  attemptsOfTile(jobId: string, tileId: string): Promise<AttemptEntity[]> {
    return this.db.manager.find(AttemptEntity, { where: { jobId, tileId }, order: { number: 'DESC' } });
  }


  /**
   * Cancels a job that has not ended. Returns the job as it now is and the leases whose workers must stop;
   * a job that already ended is returned unchanged (cancelling twice is not an error).
   */
  cancel(jobId: string, now: number): Promise<{ job: JobEntity; abort: string[] } | null> {
    return this.db.transaction(async (manager) => {
      const job = await manager.findOneBy(JobEntity, { id: jobId });
      if (!job) return null;
      if (job.state !== 'queued' && job.state !== 'running') return { job, abort: [] };
      const abort = await stopJob(manager, this.ledger, job, 'cancel', now, null);
      return { job: await manager.findOneByOrFail(JobEntity, { id: jobId }), abort };
    });
  }


  /** A job's tiles in frame and tiling order, a page at a time. */
  tiles(jobId: string, limit: number, offset: number): Promise<TileEntity[]> {
    return this.db.manager.find(TileEntity, { where: { jobId, purpose: 'render' }, order: { frame: 'ASC', index: 'ASC' }, take: limit, skip: offset });
  }
}

async function insertChunked<T extends object>(manager: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await manager.insert(entity, rows.slice(i, i + INSERT_CHUNK) as never);
  }
}

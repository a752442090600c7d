import { randomUUID } from 'node:crypto';
import { In, LessThan } from 'typeorm';
import { attemptTransition, jobTransition, tileTransition } from '@tessera/domain';
import { Database } from '../database';
import { AttemptEntity, JobEntity, TileEntity } from '../entities';

export interface GrantRequest {
  workerId: string;
  renderers: string[];
  max: number;
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
}

export interface RenewOutcome {
  renewed: Array<{ leaseId: string; expiresAt: number }>;
  abort: string[];
}

export function tileOutputKey(jobId: string, tileId: string, attemptId: string): string {
  // One key per attempt: a late or duplicate upload can never overwrite the output that was accepted.
  return `jobs/${jobId}/tiles/${tileId}/${attemptId}.png`;
}

/** Leases: the only way a tile reaches a worker, and the only way it comes back when the worker goes quiet. */
export class LeaseRepository {
  constructor(private readonly db: Database) {}

  /**
   * Finds pending tiles for a worker and leases them, all in one transaction: two coordinators answering
   * two workers at the same moment must never hand out the same tile. On PostgreSQL the candidate rows are
   * locked with SKIP LOCKED so concurrent grants take different tiles instead of waiting; on both databases
   * each tile is moved with an UPDATE guarded by its state, so a tile taken in between is skipped, not shared.
   *
   * Order: higher job priority first, then older jobs, then frame and tile order (frames finish early,
   * so their stitched images appear while the rest of the job renders).
   */
  grant(request: GrantRequest): Promise<GrantedLease[]> {
    if (request.renderers.length === 0) return Promise.resolve([]);
    return this.db.transaction(async (manager) => {
      let query = manager
        .createQueryBuilder(TileEntity, 't')
        .innerJoin(JobEntity, 'j', 'j.id = t.jobId')
        .where('t.state = :pending', { pending: 'pending' })
        .andWhere('j.state IN (:...jobStates)', { jobStates: ['queued', 'running'] })
        .andWhere('j.renderer IN (:...renderers)', { renderers: request.renderers })
        .andWhere('NOT EXISTS (SELECT 1 FROM job_blocklist b WHERE b."jobId" = j.id AND b."workerId" = :workerId)', {
          workerId: request.workerId,
        })
        .andWhere('(t.lastFailedWorkerId IS NULL OR t.lastFailedWorkerId <> :workerId OR t.lastFailedAt < :retryBefore)', {
          retryBefore: request.retryElsewhereBefore ?? request.now,
        })
        .orderBy('j.priority', 'DESC')
        .addOrderBy('j.createdAt', 'ASC')
        .addOrderBy('t.frame', 'ASC')
        .addOrderBy('t.index', 'ASC')
        .limit(request.max);
      if (this.db.kind === 'postgres') {
        query = query.setLock('pessimistic_write', undefined, ['t']).setOnLocked('skip_locked');
      }
      const candidates = await query.getMany();
      const leased = tileTransition('pending', { type: 'lease' });
      const granted: GrantedLease[] = [];
      const jobs = new Map<string, JobEntity>();
      for (const tile of candidates) {
        const attemptId = randomUUID();
        const expiresAt = request.now + request.ttlMs;
        const moved = await manager.update(
          TileEntity,
          { id: tile.id, state: 'pending' },
          { state: leased, attempts: tile.attempts + 1, leaseId: attemptId, leaseExpiresAt: expiresAt },
        );
        if (moved.affected !== 1) continue;
        const attempt: AttemptEntity = Object.assign(new AttemptEntity(), {
          id: attemptId,
          tileId: tile.id,
          jobId: tile.jobId,
          workerId: request.workerId,
          number: tile.attempts + 1,
          state: 'active' as const,
          outputKey: tileOutputKey(tile.jobId, tile.id, attemptId),
          grantedAt: request.now,
          expiresAt,
          finishedAt: null,
          pixelSha256: null,
          renderSeconds: null,
          device: null,
          rendererVersion: null,
          error: null,
        });
        await manager.insert(AttemptEntity, attempt);
        let job = jobs.get(tile.jobId);
        if (!job) {
          job = (await manager.findOneByOrFail(JobEntity, { id: tile.jobId })) as JobEntity;
          if (job.state === 'queued') {
            const running = jobTransition('queued', 'start');
            await manager.update(JobEntity, { id: job.id, state: 'queued' }, { state: running, startedAt: request.now });
            job.state = running;
            job.startedAt = request.now;
          }
          jobs.set(job.id, job);
        }
        granted.push({ attempt, tile: { ...tile, state: leased, attempts: attempt.number, leaseId: attemptId, leaseExpiresAt: expiresAt }, job });
      }
      return granted;
    });
  }

  /**
   * Extends the leases a worker still holds. A lease that is no longer the tile's current one (expired and
   * given to someone else, cancelled, or unknown) is returned in `abort`: the worker must stop rendering it.
   */
  renew(workerId: string, leaseIds: string[], now: number, ttlMs: number): Promise<RenewOutcome> {
    return this.db.transaction(async (manager) => {
      const outcome: RenewOutcome = { renewed: [], abort: [] };
      if (leaseIds.length === 0) return outcome;
      const expiresAt = now + ttlMs;
      const attempts = await manager.findBy(AttemptEntity, { id: In(leaseIds), workerId, state: 'active' });
      const active = new Set(attempts.map((a) => a.id));
      for (const leaseId of leaseIds) {
        if (!active.has(leaseId)) {
          outcome.abort.push(leaseId);
          continue;
        }
        const tile = await manager.update(TileEntity, { leaseId, state: 'leased' }, { leaseExpiresAt: expiresAt });
        if (tile.affected !== 1) {
          outcome.abort.push(leaseId);
          continue;
        }
        await manager.update(AttemptEntity, { id: leaseId }, { expiresAt });
        outcome.renewed.push({ leaseId, expiresAt });
      }
      return outcome;
    });
  }

  /**
   * Every lease a worker still holds goes back: a worker that registers again (it restarted under the same
   * identity) lost whatever it was rendering, so its tiles need not wait for their leases to expire.
   */
  async releaseAll(workerId: string, now: number, reason: string): Promise<string[]> {
    const active = await this.db.manager.findBy(AttemptEntity, { workerId, state: 'active' });
    if (active.length === 0) return [];
    return this.release(workerId, active.map((a) => a.id), now, reason);
  }

  /** A worker gives leases back (it is shutting down): the tiles are pending again at once. */
  release(workerId: string, leaseIds: string[], now: number, reason: string): Promise<string[]> {
    return this.db.transaction(async (manager) => {
      const released: string[] = [];
      const attempts = await manager.findBy(AttemptEntity, { id: In(leaseIds), workerId, state: 'active' });
      for (const attempt of attempts) {
        const moved = await manager.update(
          TileEntity,
          { id: attempt.tileId, leaseId: attempt.id, state: 'leased' },
          { state: tileTransition('leased', { type: 'release' }), leaseId: null, leaseExpiresAt: null },
        );
        await manager.update(
          AttemptEntity,
          { id: attempt.id, state: 'active' },
          { state: attemptTransition('active', 'release'), finishedAt: now, error: `released: ${reason}` },
        );
        if (moved.affected === 1) released.push(attempt.id);
      }
      return released;
    });
  }

  /**
   * Leases not renewed in time: the tile goes back to pending so another worker renders it, and the
   * attempt is closed as expired. A result that arrives for it later is recorded but never accepted.
   * Returns the number of tiles re-queued. Works in batches to keep each transaction short.
   */
  expire(now: number, batch = 500): Promise<number> {
    return this.db.transaction(async (manager) => {
      const stale = await manager.find(TileEntity, {
        where: { state: 'leased', leaseExpiresAt: LessThan(now) },
        take: batch,
      });
      let requeued = 0;
      for (const tile of stale) {
        const moved = await manager.update(
          TileEntity,
          { id: tile.id, state: 'leased', leaseId: tile.leaseId as string },
          { state: tileTransition('leased', { type: 'expire' }), leaseId: null, leaseExpiresAt: null },
        );
        if (moved.affected !== 1) continue;
        requeued += 1;
        if (tile.leaseId) {
          await manager.update(
            AttemptEntity,
            { id: tile.leaseId, state: 'active' },
            { state: attemptTransition('active', 'expire'), finishedAt: now, error: 'lease expired: no heartbeat in time' },
          );
        }
      }
      return requeued;
    });
  }
}

import { In, IsNull, LessThan, type EntityManager } from 'typeorm';
import { Database, isPostgres } from '../database';
import { AttemptEntity, JobEntity, TileEntity } from '../entities';
import { grantLeases, type GrantedLease, type GrantRequest } from './lease-grant';
import { closeAttempt, handOver, requeue } from './lease-handover';

export { tileLogKey, tileOutputKey, type GrantedLease, type GrantRequest } from './lease-grant';

export interface RenewOutcome {
  renewed: Array<{ leaseId: string; expiresAt: number }>;
  abort: string[];
}

export interface StragglerPolicy {
  /** A lease is a straggler when it has run this many times the job's median render time... */
  factor: number;
  /** ...and at least this long. */
  minMs: number;
  /** Accepted tiles needed before the median means anything. */
  minSamples: number;
}

/**
 * Moves the expiry of the primary leases' tiles and of every held lease's attempt; returns the leases renewed.
 * Each write is guarded by the state it expects. On PostgreSQL (READ COMMITTED) another transaction may close
 * a lease between the caller's reads and these writes (an expiry, the other lease of the tile winning), so
 * only the rows the writes changed count as renewed (RETURNING). SQLite runs one transaction at a time: the
 * reads are still true when the writes run.
 */
async function extendLeases(manager: EntityManager, primaries: TileEntity[], backups: string[], expiresAt: number): Promise<Set<string>> {
  const tilesWhere = { id: In(primaries.map((t) => t.id)), leaseId: In(primaries.map((t) => t.leaseId as string)), state: 'leased' as const };
  if (!isPostgres(manager)) {
    const held = new Set([...primaries.map((t) => t.leaseId as string), ...backups]);
    if (primaries.length > 0) await manager.update(TileEntity, tilesWhere, { leaseExpiresAt: expiresAt });
    if (held.size > 0) await manager.update(AttemptEntity, { id: In([...held]), state: 'active' }, { expiresAt });
    return held;
  }
  const kept: Array<{ leaseId: string }> = primaries.length === 0 ? [] : (
    await manager.createQueryBuilder().update(TileEntity).set({ leaseExpiresAt: expiresAt }).where(tilesWhere).returning(['leaseId']).execute()
  ).raw;
  const candidates = [...kept.map((t) => t.leaseId), ...backups];
  if (candidates.length === 0) return new Set();
  const renewed: Array<{ id: string }> = (
    await manager.createQueryBuilder().update(AttemptEntity).set({ expiresAt }).where({ id: In(candidates), state: 'active' }).returning(['id']).execute()
  ).raw;
  return new Set(renewed.map((a) => a.id));
}

/** Rows changed per statement when a set is large: well under every database's limit on bound parameters. */
const BATCH = 500;

/** Leases: the only way a tile reaches a worker, and the only way it comes back when the worker goes quiet. */
export class LeaseRepository {
  constructor(private readonly db: Database) {}

  /** See grantLeases: pending tiles, then backup leases of stragglers, in one transaction. */
  grant(request: GrantRequest): Promise<GrantedLease[]> {
    if (request.renderers.length === 0) return Promise.resolve([]);
    return this.db.transaction((manager) => grantLeases(this.db, manager, request));
  }

  /**
   * Extends the leases a worker still holds. A lease that is no longer one of its tile's (expired and given to
   * someone else, cancelled, lost to a backup, or unknown) is returned in `abort`: the worker must stop it.
   */
  renew(workerId: string, leaseIds: string[], now: number, ttlMs: number): Promise<RenewOutcome> {
    return this.db.transaction(async (manager) => {
      if (leaseIds.length === 0) return { renewed: [], abort: [] };
      const expiresAt = now + ttlMs;
      // Four statements per heartbeat, however many leases it names (by primary key): heartbeats are most
      // of a busy coordinator's messages.
      const active = await manager.find(AttemptEntity, { where: { id: In(leaseIds), workerId, state: 'active' }, select: { id: true, tileId: true } });
      const tiles = active.length === 0 ? [] : await manager.find(TileEntity, {
        where: { id: In(active.map((a) => a.tileId)), state: 'leased' },
        select: { id: true, leaseId: true, backupLeaseId: true },
      });
      // Still its tile's lease, as the primary or as the backup.
      const primaries = tiles.filter((t) => active.some((a) => a.id === t.leaseId));
      const backups = active.filter((a) => tiles.some((t) => t.backupLeaseId === a.id)).map((a) => a.id);
      const held = await extendLeases(manager, primaries, backups, expiresAt);
      return {
        renewed: leaseIds.filter((id) => held.has(id)).map((leaseId) => ({ leaseId, expiresAt })),
        abort: leaseIds.filter((id) => !held.has(id)),
      };
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
        await closeAttempt(manager, attempt.id, 'release', now, { error: `released: ${reason}` });
        const tile = await manager.findOneBy(TileEntity, { id: attempt.tileId, state: 'leased' });
        if (tile && (await handOver(manager, tile, attempt.id, requeue('release'))) !== 'stale') released.push(attempt.id);
      }
      return released;
    });
  }

  /**
   * Leases not renewed in time. The attempt is closed as expired, and a result that arrives for it later is
   * recorded but never accepted. The tile goes back to pending, or to its backup lease if one is running.
   * Returns the number of leases expired. Works in batches to keep each transaction short.
   */
  expire(now: number, batch = 500): Promise<number> {
    return this.db.transaction(async (manager) => {
      const stale = await manager.find(AttemptEntity, { where: { state: 'active', expiresAt: LessThan(now) }, take: batch });
      let expired = 0;
      for (const attempt of stale) {
        if (!(await closeAttempt(manager, attempt.id, 'expire', now, { error: 'lease expired: no heartbeat in time' }))) continue;
        expired += 1;
        const tile = await manager.findOneBy(TileEntity, { id: attempt.tileId, state: 'leased' });
        if (tile) await handOver(manager, tile, attempt.id, requeue('expire'));
      }
      return expired;
    });
  }

  /**
   * Marks stragglers for a backup lease: in a running job with no pending tile left, a lease running longer
   * than `factor` x the job's median render time (and at least `minMs`). A backup lease then goes to the next
   * idle worker of another identity. Returns the tiles marked.
   */
  requestBackups(now: number, policy: StragglerPolicy): Promise<number> {
    return this.db.transaction(async (manager) => {
      let marked = 0;
      for (const job of await manager.find(JobEntity, { where: { state: 'running' }, select: { id: true } })) {
        if ((await manager.countBy(TileEntity, { jobId: job.id, state: 'pending' })) > 0) continue;
        const durations = (await manager.find(AttemptEntity, { where: { jobId: job.id, state: 'succeeded' }, select: { grantedAt: true, finishedAt: true } }))
          .map((a) => (a.finishedAt as number) - a.grantedAt)
          .sort((a, b) => a - b);
        if (durations.length < policy.minSamples) continue;
        const limit = Math.max(policy.minMs, policy.factor * durations[Math.floor(durations.length / 2)]);
        // In one query: a big job ends with thousands of tiles in flight, and this runs on every sweep.
        const late: Array<{ id: string }> = await manager
          .createQueryBuilder(TileEntity, 't')
          .select('t.id', 'id')
          .innerJoin(AttemptEntity, 'a', 'a.id = t.leaseId')
          .where('t.jobId = :jobId AND t.state = :leased AND t.backupRequestedAt IS NULL', { jobId: job.id, leased: 'leased' })
          .andWhere('a.state = :active AND a.grantedAt < :cutoff', { active: 'active', cutoff: now - limit })
          .getRawMany();
        for (let i = 0; i < late.length; i += BATCH) {
          const ids = late.slice(i, i + BATCH).map((t) => t.id);
          marked += (await manager.update(TileEntity, { id: In(ids), state: 'leased', backupRequestedAt: IsNull() }, { backupRequestedAt: now })).affected ?? 0;
        }
      }
      return marked;
    });
  }
}

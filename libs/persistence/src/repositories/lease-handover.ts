import type { EntityManager } from 'typeorm';
import { attemptTransition, tileTransition, type AttemptEvent } from '@tessera/domain';
import { AttemptEntity, TileEntity } from '../entities';

export type Handover = 'promoted' | 'backup-dropped' | 'requeued' | 'stale';

/**
 * A lease of a leased tile ends without a result (expired, released, failed). With a backup lease running,
 * nothing is lost: when the primary ends, the backup becomes the primary; when the backup ends, the primary
 * carries on alone. Without one, the tile goes back to pending (`requeue`), or to whatever `next` says.
 * The attempt itself is closed by the caller. Every update is guarded by the lease ids it read.
 */
export async function handOver(
  manager: EntityManager,
  tile: TileEntity,
  leaseId: string,
  next: { state: TileEntity['state']; extra?: Partial<TileEntity> },
): Promise<Handover> {
  if (tile.backupLeaseId === leaseId) {
    const dropped = await manager.update(TileEntity, { id: tile.id, state: 'leased', backupLeaseId: leaseId }, { backupLeaseId: null, ...next.extra });
    return dropped.affected === 1 ? 'backup-dropped' : 'stale';
  }
  if (tile.leaseId !== leaseId) return 'stale';
  const backup = tile.backupLeaseId ? await manager.findOneBy(AttemptEntity, { id: tile.backupLeaseId, state: 'active' }) : null;
  if (backup) {
    const promoted = await manager.update(
      TileEntity,
      { id: tile.id, state: 'leased', leaseId, backupLeaseId: backup.id },
      { leaseId: backup.id, backupLeaseId: null, leaseExpiresAt: backup.expiresAt, ...next.extra },
    );
    return promoted.affected === 1 ? 'promoted' : 'stale';
  }
  const moved = await manager.update(
    TileEntity,
    { id: tile.id, state: 'leased', leaseId },
    { state: next.state, leaseId: null, leaseExpiresAt: null, backupLeaseId: null, backupRequestedAt: null, ...next.extra },
  );
  return moved.affected === 1 ? 'requeued' : 'stale';
}

/** Closes an active attempt; returns false if it was not active any more. */
export async function closeAttempt(manager: EntityManager, leaseId: string, event: AttemptEvent, now: number, extra: Partial<AttemptEntity> = {}): Promise<boolean> {
  const closed = await manager.update(AttemptEntity, { id: leaseId, state: 'active' }, { state: attemptTransition('active', event), finishedAt: now, ...extra });
  return closed.affected === 1;
}

/** The tile a lease belongs to, whether it is the tile's primary or its backup lease. */
export function tileOfLease(manager: EntityManager, attempt: AttemptEntity): Promise<TileEntity | null> {
  return manager.findOneBy(TileEntity, { id: attempt.tileId, state: 'leased' }).then((tile) =>
    tile && (tile.leaseId === attempt.id || tile.backupLeaseId === attempt.id) ? tile : null,
  );
}

export const requeue = (event: 'expire' | 'release') => ({ state: tileTransition('leased', { type: event }) });

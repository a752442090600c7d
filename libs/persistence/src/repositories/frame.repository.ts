import { Brackets } from 'typeorm';
import { frameTransition, jobTransition } from '@tessera/domain';
import { Database } from '../database';
import { FrameEntity, JobEntity, TileEntity } from '../entities';
import { LedgerRepository } from './ledger.repository';

export interface StitchedOutcome {
  jobCompleted: boolean;
}

/** A frame is stitched only once every check of its tiles is resolved: a check may still reject a tile. */
const NO_OPEN_CHECK = (frameId: string) => `NOT EXISTS (SELECT 1 FROM checks c WHERE c."frameId" = ${frameId} AND c.state = 'open')`;

export class FrameRepository {
  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerRepository,
  ) {}

  /**
   * Takes the right to stitch a frame whose tiles are all accepted. Exactly one coordinator wins: the claim
   * is a guarded UPDATE. A claim older than `staleBefore` (its coordinator died mid-stitch) can be taken over;
   * stitching is deterministic, so a second stitch writes the same bytes.
   */
  async claimStitch(frameId: string, now: number, staleBefore: number): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(FrameEntity)
        .set({ state: frameTransition('pending', 'startStitch'), stitchStartedAt: now })
        .where('id = :frameId', { frameId })
        .andWhere('"tilesAccepted" = "tilesTotal"')
        .andWhere(NO_OPEN_CHECK('"frames"."id"'))
        .andWhere(
          new Brackets((q) =>
            q.where('state = :pending', { pending: 'pending' }).orWhere('(state = :stitching AND "stitchStartedAt" < :staleBefore)', {
              stitching: 'stitching',
              staleBefore,
            }),
          ),
        )
        .execute();
      return result.affected === 1;
    });
  }

  /** The accepted tiles of a frame, in tiling order, for the stitcher. */
  acceptedTiles(frameId: string): Promise<TileEntity[]> {
    return this.db.manager.find(TileEntity, { where: { frameId, state: 'accepted', purpose: 'render' }, order: { index: 'ASC' } });
  }

  /**
   * Records the stitched frame; when it was the job's last, the job completes and its credits are settled
   * (earnings released, the unspent allowance refunded) in the same transaction.
   */
  markStitched(frameId: string, outputKey: string, thumbnailKey: string, now: number): Promise<StitchedOutcome> {
    return this.db.transaction(async (manager) => {
      const moved = await manager.update(
        FrameEntity,
        { id: frameId, state: 'stitching' },
        { state: frameTransition('stitching', 'stitched'), outputKey, thumbnailKey, stitchedAt: now },
      );
      if (moved.affected !== 1) return { jobCompleted: false };
      const frame = await manager.findOneByOrFail(FrameEntity, { id: frameId });
      const remaining = await manager.count(FrameEntity, { where: { jobId: frame.jobId, state: 'pending' } });
      const stitching = await manager.count(FrameEntity, { where: { jobId: frame.jobId, state: 'stitching' } });
      if (remaining + stitching > 0) return { jobCompleted: false };
      const job = await manager.findOneByOrFail(JobEntity, { id: frame.jobId });
      if (job.state !== 'running') return { jobCompleted: false };
      const done = await manager.update(
        JobEntity,
        { id: job.id, state: 'running' },
        { state: jobTransition('running', 'complete'), finishedAt: now },
      );
      if (done.affected !== 1) return { jobCompleted: false };
      await this.ledger.settleIfHeld(manager, job.id, 'completed');
      return { jobCompleted: true };
    });
  }

  /** A stitch that failed: the frame waits to be stitched again. */
  async releaseStitch(frameId: string): Promise<void> {
    await this.db.transaction((manager) =>
      manager.update(
        FrameEntity,
        { id: frameId, state: 'stitching' },
        { state: frameTransition('stitching', 'stitchFailed'), stitchStartedAt: null },
      ),
    );
  }

  /** Frames whose tiles are all accepted but that are not stitched: missed or interrupted stitches. */
  awaitingStitch(staleBefore: number, limit = 50): Promise<FrameEntity[]> {
    return this.db.manager
      .createQueryBuilder(FrameEntity, 'f')
      .where('f."tilesAccepted" = f."tilesTotal"')
      .andWhere(NO_OPEN_CHECK('f.id'))
      .andWhere(
        new Brackets((q) =>
          q.where('f.state = :pending', { pending: 'pending' }).orWhere('(f.state = :stitching AND f."stitchStartedAt" < :staleBefore)', {
            stitching: 'stitching',
            staleBefore,
          }),
        ),
      )
      .limit(limit)
      .getMany();
  }
}

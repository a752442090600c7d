import { EntityManager, In } from 'typeorm';
import { areaPrice, attemptTransition, frameTransition, jobTransition, tileTransition, type Reputation } from '@tessera/domain';
import { Database } from '../database';
import { AttemptEntity, CheckEntity, FrameEntity, JobBlocklistEntity, JobEntity, TileEntity, WorkerEntity } from '../entities';
import { CheckRepository, type CheckPlan } from './check.repository';
import { LedgerRepository } from './ledger.repository';
import { closeAttempt, handOver, tileOfLease } from './lease-handover';

export interface AttemptContext {
  attempt: AttemptEntity;
  tile: TileEntity;
  job: JobEntity;
}

export interface RenderFacts {
  pixelSha256: string;
  renderSeconds: number;
  device: string;
  rendererVersion: string;
}

export type AcceptOutcome =
  /** `checkId`: the result was a region of that check (not a part of the frame): compare it once the stage is in. */
  | { accepted: true; frame: FrameEntity; frameComplete: boolean; checkId: string | null }
  | { accepted: false; reason: string };

/**
 * Decides, after the worker committed to its result, whether the result is spot-checked and how (the
 * coordinator's policy and CSPRNG); called inside the acceptance transaction with the worker's reputation.
 */
export type CheckDecider = (reputation: Reputation, tile: TileEntity) => CheckPlan | null;

export type FailOutcome = { retried: boolean; jobFailed: boolean; abort: string[]; blocklisted: boolean };

/** What happens to a tile once its worker has answered: accepted, retried, or given up on. */
export class TileOutcomeRepository {
  private readonly checks: CheckRepository;

  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerRepository,
  ) {
    this.checks = new CheckRepository(db, ledger);
  }

  async context(leaseId: string): Promise<AttemptContext | null> {
    const attempt = await this.db.manager.findOneBy(AttemptEntity, { id: leaseId });
    if (!attempt) return null;
    const tile = await this.db.manager.findOneByOrFail(TileEntity, { id: attempt.tileId });
    const job = await this.db.manager.findOneByOrFail(JobEntity, { id: attempt.jobId });
    return { attempt, tile, job };
  }

  /**
   * Accepts the attempt's output as the tile's, if the attempt is still the tile's current lease. The attempt,
   * the tile and the frame's counter move in one transaction, so a duplicate delivery of the same result
   * (JetStream redelivers after a crash before the ack) finds the attempt closed and changes nothing.
   * The tile's payment to the worker's operator is the last step of the same transaction: an accepted tile
   * is paid exactly once, and a payment the ledger refuses rolls the acceptance back with it.
   */
  accept(leaseId: string, facts: RenderFacts, now: number, decide?: CheckDecider): Promise<AcceptOutcome> {
    return this.db.transaction(async (manager) => {
      const attempt = await manager.findOneBy(AttemptEntity, { id: leaseId });
      if (!attempt || attempt.state !== 'active') {
        return { accepted: false, reason: `lease ${leaseId} is ${attempt ? attempt.state : 'unknown'}` };
      }
      const tile = await tileOfLease(manager, attempt);
      if (!tile) return { accepted: false, reason: `lease ${leaseId} is no longer the tile's lease` };
      // The first valid result wins; the other lease of a straggler (primary or backup) is aborted.
      const loser = tile.leaseId === leaseId ? tile.backupLeaseId : tile.leaseId;
      const tileMoved = await manager.update(
        TileEntity,
        { id: tile.id, state: 'leased', leaseId: tile.leaseId as string },
        {
          state: tileTransition('leased', { type: 'accept' }),
          leaseId,
          backupLeaseId: null,
          leaseExpiresAt: null,
          outputKey: attempt.outputKey,
          pixelSha256: facts.pixelSha256,
        },
      );
      if (tileMoved.affected !== 1) return { accepted: false, reason: `lease ${leaseId} is no longer the tile's lease` };
      await closeAttempt(manager, leaseId, 'succeed', now, facts);
      if (loser) await closeAttempt(manager, loser, 'abort', now, { error: `the other lease of this tile (${leaseId}) finished first` });
      const worker = await manager.findOneBy(WorkerEntity, { id: attempt.workerId });
      if (tile.purpose !== 'render') {
        // A check region: paid from the job's allowance, compared by the caller once its stage is complete.
        await this.pay(manager, attempt, tile, worker, 'verification');
        return { accepted: true, frame: await manager.findOneByOrFail(FrameEntity, { id: tile.frameId }), frameComplete: false, checkId: tile.checkId };
      }
      await manager.increment(FrameEntity, { id: tile.frameId }, 'tilesAccepted', 1);
      const frame = await manager.findOneByOrFail(FrameEntity, { id: tile.frameId });
      if (decide) {
        const key = { workerId: attempt.workerId, rendererVersion: facts.rendererVersion, deviceClass: facts.device };
        const plan = decide(await this.checks.reputation(manager, key, true), tile);
        await this.checks.record(manager, key, 'valid', now, plan !== null);
        const subject = { id: attempt.workerId, operatorId: worker?.operatorId ?? null, rendererVersion: facts.rendererVersion };
        if (plan) await this.checks.open(manager, { ...tile, leaseId }, subject, plan, now);
      }
      await this.pay(manager, attempt, tile, worker, 'tile');
      const openChecks = await manager.countBy(CheckEntity, { frameId: frame.id, state: 'open' });
      return { accepted: true, frame, frameComplete: frame.tilesAccepted === frame.tilesTotal && openChecks === 0, checkId: null };
    });
  }

  /**
   * Pays an accepted render at its job's rate to the operator of the worker that rendered it, if it has one:
   * a tile from the escrow, a check region from the allowance.
   */
  private async pay(manager: EntityManager, attempt: AttemptEntity, tile: TileEntity, worker: WorkerEntity | null, kind: 'tile' | 'verification'): Promise<void> {
    const job = await manager.findOneByOrFail(JobEntity, { id: attempt.jobId });
    if (!job.accountId || !worker?.operatorId) return;
    const request = {
      jobId: job.id,
      tileId: tile.id,
      attemptId: attempt.id,
      operatorId: worker.operatorId,
      price: areaPrice(job.ratePerMegasample, tile, job.samples),
      feeBasisPoints: job.feeBasisPoints,
    };
    await (kind === 'tile' ? this.ledger.payTile(manager, request) : this.ledger.payVerification(manager, request));
  }

  /**
   * The attempt failed (the worker said so, or its output did not pass the acceptance checks). The tile is
   * retried until it has failed `maxAttempts` times; then the job fails with the reason, its other tiles
   * are cancelled and the leases still running are returned so their workers can be told to stop.
   */
  fail(leaseId: string, error: string, now: number, blocklistAfter = Number.POSITIVE_INFINITY): Promise<FailOutcome> {
    return this.db.transaction(async (manager) => {
      const none: FailOutcome = { retried: false, jobFailed: false, abort: [], blocklisted: false };
      const attempt = await manager.findOneBy(AttemptEntity, { id: leaseId });
      if (!attempt || !(await closeAttempt(manager, leaseId, 'fail', now, { error }))) return none;
      const blocklisted = await blocklistIfDue(manager, attempt, blocklistAfter, now);
      const tile = await tileOfLease(manager, attempt);
      if (!tile) return { ...none, blocklisted };
      const job = await manager.findOneByOrFail(JobEntity, { id: tile.jobId });
      const failures = tile.failures + 1;
      const retriesLeft = failures < job.maxAttempts;
      const next = tileTransition('leased', { type: 'fail', retriesLeft });
      const handover = await handOver(manager, tile, leaseId, {
        state: next,
        extra: { failures, error, lastFailedWorkerId: attempt.workerId, lastFailedAt: now },
      });
      // With the other lease of a straggler still running, the tile is in good hands.
      if (handover !== 'requeued' || next === 'pending') return { retried: true, jobFailed: false, abort: [], blocklisted };
      // A check region that cannot be rendered is no reason to fail the job: the check is dropped, the original stands.
      if (tile.purpose !== 'render' && tile.checkId) {
        await this.checks.abandon(manager, tile.checkId, `a check region failed ${failures} times; last error: ${error}`, now);
        return { retried: false, jobFailed: false, abort: [], blocklisted };
      }
      const reason = `tile ${tile.index} of frame ${tile.frame} failed ${failures} times; last error: ${error}`;
      const abort = await stopJob(manager, this.ledger, job, 'fail', now, reason);
      return { retried: false, jobFailed: true, abort, blocklisted };
    });
  }

  /** A result for a lease that is closed: kept on the attempt for the record, never accepted. */
  async recordLate(leaseId: string, pixelSha256: string | null, note: string): Promise<void> {
    await this.db.transaction((manager) =>
      manager.update(AttemptEntity, { id: leaseId }, { pixelSha256, error: note }),
    );
  }
}

/** After `limit` failed renders in one job, a worker gets no more of that job's tiles. */
async function blocklistIfDue(manager: EntityManager, attempt: AttemptEntity, limit: number, now: number): Promise<boolean> {
  const failed = await manager.count(AttemptEntity, { where: { jobId: attempt.jobId, workerId: attempt.workerId, state: 'failed' } });
  if (failed < limit) return false;
  const listed = await manager.findOneBy(JobBlocklistEntity, { jobId: attempt.jobId, workerId: attempt.workerId });
  if (listed) return false;
  await manager.insert(JobBlocklistEntity, {
    jobId: attempt.jobId,
    workerId: attempt.workerId,
    reason: `${failed} failed renders; last: ${attempt.id}`,
    createdAt: now,
  });
  return true;
}

/**
 * Ends a job that is still queued or running (cancelled, or failed): its open tiles and frames are cancelled,
 * its active leases aborted, and its credits settled (earnings released, the unspent escrow refunded). Returns
 * the ids of the aborted leases, whose workers must stop rendering them.
 */
export async function stopJob(
  manager: EntityManager,
  ledger: LedgerRepository,
  job: JobEntity,
  event: 'cancel' | 'fail',
  now: number,
  error: string | null,
): Promise<string[]> {
  const next = jobTransition(job.state, event);
  const moved = await manager.update(JobEntity, { id: job.id, state: job.state }, { state: next, finishedAt: now, error });
  if (moved.affected !== 1) return [];
  const active = await manager.findBy(AttemptEntity, { jobId: job.id, state: 'active' });
  await manager.update(
    AttemptEntity,
    { jobId: job.id, state: 'active' },
    { state: attemptTransition('active', 'abort'), finishedAt: now, error: `job ${next}` },
  );
  for (const from of ['pending', 'leased'] as const) {
    await manager.update(TileEntity, { jobId: job.id, state: from }, { state: tileTransition(from, { type: 'cancel' }), leaseExpiresAt: null });
  }
  await manager.update(FrameEntity, { jobId: job.id, state: In(['pending']) }, { state: frameTransition('pending', 'cancel') });
  await manager.update(CheckEntity, { jobId: job.id, state: 'open' }, { state: 'abandoned', note: `job ${next}`, resolvedAt: now });
  await ledger.settleIfHeld(manager, job.id, next);
  return active.map((a) => a.id);
}

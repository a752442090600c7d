import { randomUUID } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import type { Region } from '@tessera/contracts';
import { frameTransition, NEW_REPUTATION, recordOutcome, tileTransition, type CheckKind, type Reputation, type ReputationKey } from '@tessera/domain';
import { Database, forUpdate } from '../database';
import {
  AttemptEntity, CheckEntity, FrameEntity, JobBlocklistEntity, JobEntity, TileEntity, TileExclusionEntity, WorkerEntity, WorkerReputationEntity, type CheckState,
} from '../entities';
import { excludedOperator, excludedWorker } from './lease-grant';
import { closeAttempt, handOver, requeue, tileOfLease } from './lease-handover';
import { LedgerRepository } from './ledger.repository';

/** How a result is checked: its kind and the frame regions to render again. */
export interface CheckPlan {
  kind: CheckKind;
  regions: Region[];
  /** How long the regions wait for a worker of another operator before the subject's operator's other workers may take them. */
  otherOperatorWaitMs: number;
}

/** The renders a check stage waits for, and what the comparison needs. */
export interface CheckStageView {
  check: CheckEntity;
  /** The tile under check, with its accepted output. */
  subject: TileEntity;
  /** The check regions (stage `check`), each accepted with its output. */
  checks: TileEntity[];
  /** The arbitration regions, once the check went to arbitration. */
  arbitrations: TileEntity[];
  /** Every region of the current stage is accepted: the comparison can run. */
  complete: boolean;
}

/** The coordinator's verdict on a complete stage, per @tessera/domain arbitrate(). */
export type StageVerdict =
  | { verdict: 'agreed' }
  /** `checkerWorkerId`: who rendered the disagreeing region (regions of one check may go to different workers). */
  | { verdict: 'needs-third'; regions: Array<Region & { checkerWorkerId: string }> }
  | { verdict: 'original-invalid'; reason: string }
  /** `liars`: the checkers of the regions where the third sided with the original. */
  | { verdict: 'check-invalid'; reason: string; liars: string[] }
  | { verdict: 'inconclusive'; reason: string };

export interface Resolution {
  state: CheckState | 'arbitration';
  /** Frames whose tiles are now all accepted and checked: to stitch. */
  framesToStitch: string[];
  /** Tiles sent back to be rendered again (the cheater's unverified work, or an inconclusive tile). */
  rejectedTiles: number;
  /** The worker penalised, if any. */
  penalised: string | null;
}

/**
 * Spot-checks in the database (docs/verification.md): opening a check in the transaction that accepts the
 * result under check, reading a stage when its regions are in, and resolving it: passing the original,
 * sending it to arbitration, or penalising whoever lied (blocklist for the job, streak reset, worker flagged,
 * its unverified tiles of the job rendered again, its operator's pending earnings on the job forfeited).
 */
export class CheckRepository {
  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerRepository,
  ) {}

  // --- reputations ----------------------------------------------------------------------------------------

  /**
   * The key's record. `locked` (in a transaction) locks it on PostgreSQL until the transaction ends: results
   * of one worker are accepted concurrently, and each decides on the record and then updates it (`record`).
   * Two first results of a new key may both insert; the second fails on the primary key, and its result is
   * delivered again.
   */
  async reputation(manager: EntityManager, key: ReputationKey, locked = false): Promise<Reputation> {
    return (await manager.findOne(WorkerReputationEntity, { where: { ...key }, ...(locked ? forUpdate(manager) : {}) })) ?? NEW_REPUTATION;
  }

  /** Applies one outcome to a key's record (and counts a check run against it, when there was one). */
  async record(manager: EntityManager, key: ReputationKey, outcome: 'valid' | 'invalid', now: number, checked = false): Promise<void> {
    const before = await manager.findOneBy(WorkerReputationEntity, { ...key });
    const next = recordOutcome(before ?? NEW_REPUTATION, outcome);
    const row = {
      ...key, consecutiveValid: next.consecutiveValid, validResults: next.validResults, invalidResults: next.invalidResults,
      checksRun: (before?.checksRun ?? 0) + (checked ? 1 : 0), updatedAt: now,
    };
    if (before) await manager.update(WorkerReputationEntity, { ...key }, row);
    else await manager.insert(WorkerReputationEntity, row);
  }

  /** Every key of a worker, for GET /v1/workers. */
  reputationsOf(workerIds: string[]): Promise<WorkerReputationEntity[]> {
    if (workerIds.length === 0) return Promise.resolve([]);
    return this.db.manager.find(WorkerReputationEntity, { where: { workerId: In(workerIds) }, order: { updatedAt: 'DESC' } });
  }

  // --- opening ----------------------------------------------------------------------------------------------

  /**
   * Opens a check of `subject`'s accepted output, in the caller's transaction: a check row, and one tile per
   * region (purpose `check`), pending, kept away from the subject's worker and operator.
   */
  async open(
    manager: EntityManager, subject: TileEntity, subjectWorker: { id: string; operatorId: string | null; rendererVersion: string }, plan: CheckPlan, now: number,
  ): Promise<CheckEntity> {
    const check = Object.assign(new CheckEntity(), {
      id: randomUUID(), jobId: subject.jobId, tileId: subject.id, frameId: subject.frameId, subjectLeaseId: subject.leaseId as string,
      subjectWorkerId: subjectWorker.id, kind: plan.kind, stage: 'check' as const, state: 'open' as const,
      checkerWorkerId: null, arbiterWorkerId: null, createdAt: now, resolvedAt: null, note: null,
    });
    await manager.insert(CheckEntity, check);
    await this.addRegions(manager, check, subject, subjectWorker.rendererVersion, 'check', plan.regions, [subjectWorker], now + plan.otherOperatorWaitMs);
    return check;
  }

  private async addRegions(
    manager: EntityManager, check: CheckEntity, subject: TileEntity, requiredVersion: string, purpose: 'check' | 'arbitration', regions: Region[],
    excluded: Array<{ id: string; operatorId: string | null }>,
    operatorsUntil: number,
  ): Promise<void> {
    const tiles = regions.map((region) => Object.assign(new TileEntity(), {
      id: randomUUID(), jobId: subject.jobId, frameId: subject.frameId, frame: subject.frame, index: subject.index, ...region,
      purpose, checkId: check.id, requiredVersion, verifiedAt: null, state: 'pending' as const, attempts: 0, failures: 0, leaseId: null, leaseExpiresAt: null,
      outputKey: null, pixelSha256: null, error: null, lastFailedWorkerId: null, lastFailedAt: null, backupLeaseId: null, backupRequestedAt: null,
    }));
    await manager.insert(TileEntity, tiles);
    const keys = new Map<string, number | null>();
    for (const w of excluded) {
      keys.set(excludedWorker(w.id), null);
      if (w.operatorId) keys.set(excludedOperator(w.operatorId), operatorsUntil);
    }
    await manager.insert(
      TileExclusionEntity,
      tiles.flatMap((tile) => [...keys].map(([key, until]) => ({ tileId: tile.id, excluded: key, jobId: subject.jobId, until }))),
    );
  }

  // --- reading ----------------------------------------------------------------------------------------------

  async stage(checkId: string): Promise<CheckStageView | null> {
    const check = await this.db.manager.findOneBy(CheckEntity, { id: checkId });
    if (!check) return null;
    const subject = await this.db.manager.findOneByOrFail(TileEntity, { id: check.tileId });
    const regions = await this.db.manager.find(TileEntity, { where: { checkId }, order: { y: 'ASC', x: 'ASC' } });
    const checks = regions.filter((t) => t.purpose === 'check');
    const arbitrations = regions.filter((t) => t.purpose === 'arbitration');
    const current = check.stage === 'check' ? checks : arbitrations;
    const complete = check.state === 'open' && current.length > 0 && current.every((t) => t.state === 'accepted');
    return { check, subject, checks, arbitrations, complete };
  }

  /**
   * Open checks whose current stage has all its regions in: normally compared as the last region arrives;
   * listed for the sweeper, so a comparison interrupted by a crash or a storage error is not lost.
   */
  async completeStages(limit = 50): Promise<string[]> {
    const stagePurpose = `CASE c.stage WHEN 'check' THEN 'check' ELSE 'arbitration' END`;
    const rows: Array<{ id: string }> = await this.db.manager
      .createQueryBuilder(CheckEntity, 'c')
      .select('c.id', 'id')
      .where("c.state = 'open'")
      .andWhere(`EXISTS (SELECT 1 FROM tiles t WHERE t."checkId" = c.id AND t.purpose = ${stagePurpose})`)
      .andWhere(`NOT EXISTS (SELECT 1 FROM tiles t WHERE t."checkId" = c.id AND t.purpose = ${stagePurpose} AND t.state <> 'accepted')`)
      .limit(limit)
      .getRawMany();
    return rows.map((r) => r.id);
  }

  /** Checks of a job per state, for the job's status. */
  async counts(jobId: string): Promise<Record<CheckState | 'arbitrated', number>> {
    const rows = await this.db.manager.find(CheckEntity, { where: { jobId }, select: { state: true, arbiterWorkerId: true, stage: true } });
    const counts = { open: 0, passed: 0, failed: 0, 'checker-failed': 0, inconclusive: 0, abandoned: 0, arbitrated: 0 };
    for (const row of rows) {
      counts[row.state] += 1;
      if (row.stage === 'arbitration') counts.arbitrated += 1;
    }
    return counts;
  }

  // --- resolving --------------------------------------------------------------------------------------------

  /**
   * Acts on the coordinator's verdict for a complete stage, in one transaction. Guarded: a check that is no
   * longer open, or no longer at that stage, is left alone (a redelivered result compared twice, or the last
   * two regions of a stage accepted at once and both compared). On PostgreSQL the check's row is locked first,
   * so a second resolution waits for the first and then finds the check moved on.
   */
  resolve(checkId: string, stage: 'check' | 'arbitration', verdict: StageVerdict, now: number, otherOperatorWaitMs = 0): Promise<Resolution | null> {
    return this.db.transaction(async (manager) => {
      const check = await manager.findOne(CheckEntity, { where: { id: checkId, state: 'open', stage }, ...forUpdate(manager) });
      if (!check) return null;
      const regions = await manager.findBy(TileEntity, { checkId, state: 'accepted' });
      const renderer = async (purpose: 'check' | 'arbitration') => {
        const tile = regions.find((t) => t.purpose === purpose);
        return tile ? this.workerOfLease(manager, tile.leaseId as string) : null;
      };
      const checker = check.checkerWorkerId ?? (await renderer('check'));
      const arbiter = stage === 'arbitration' ? await renderer('arbitration') : null;
      const subject = await manager.findOneByOrFail(TileEntity, { id: check.tileId });
      const close = (state: CheckState, note: string | null) =>
        manager.update(CheckEntity, { id: checkId }, { state, note, resolvedAt: now, checkerWorkerId: checker, arbiterWorkerId: arbiter });
      const outcome: Resolution = { state: 'passed', framesToStitch: [], rejectedTiles: 0, penalised: null };
      switch (verdict.verdict) {
        case 'agreed':
          await close('passed', stage === 'arbitration' ? 'arbitration sided with the original' : null);
          await manager.update(TileEntity, { id: subject.id, state: 'accepted', leaseId: check.subjectLeaseId }, { verifiedAt: now });
          break;
        case 'needs-third': {
          await manager.update(CheckEntity, { id: checkId }, { stage: 'arbitration', checkerWorkerId: checker });
          const subjectWorker = await this.workerRow(manager, check.subjectWorkerId);
          // Each disagreeing region is arbitrated by a worker that is neither its subject nor its own checker.
          const version = (await manager.findOneByOrFail(AttemptEntity, { id: check.subjectLeaseId })).rendererVersion ?? '';
          for (const { checkerWorkerId, ...region } of verdict.regions) {
            await this.addRegions(
              manager, { ...check, stage: 'arbitration' }, subject, version, 'arbitration', [region],
              [subjectWorker, await this.workerRow(manager, checkerWorkerId)], now + otherOperatorWaitMs,
            );
          }
          return { ...outcome, state: 'arbitration' };
        }
        case 'original-invalid':
          await close('failed', verdict.reason);
          outcome.state = 'failed';
          outcome.rejectedTiles = await this.penalise(manager, check.jobId, check.subjectWorkerId, verdict.reason, now);
          outcome.penalised = check.subjectWorkerId;
          break;
        case 'check-invalid':
          await close('checker-failed', verdict.reason);
          outcome.state = 'checker-failed';
          await manager.update(TileEntity, { id: subject.id, state: 'accepted', leaseId: check.subjectLeaseId }, { verifiedAt: now });
          for (const liar of new Set(verdict.liars)) {
            outcome.rejectedTiles += await this.penalise(manager, check.jobId, liar, verdict.reason, now);
            outcome.penalised = liar;
          }
          break;
        case 'inconclusive':
          await close('inconclusive', verdict.reason);
          outcome.state = 'inconclusive';
          outcome.rejectedTiles = await this.reject(manager, [subject], now);
          break;
      }
      outcome.framesToStitch = await this.stitchable(manager, check.jobId);
      return outcome;
    });
  }

  /**
   * Drops the checks open since before `before` (no eligible worker took their regions), and those with a
   * region no worker connected since `connectedSince` may render: the originals stand unverified and their
   * frames can be stitched. Returns those frames.
   */
  abandonStale(before: number, now: number, connectedSince: number | null = null): Promise<string[]> {
    return this.db.transaction(async (manager) => {
      const stale = await manager.createQueryBuilder(CheckEntity, 'c').where("c.state = 'open' AND c.createdAt < :before", { before }).getMany();
      // A region that no connected worker may take (the only others left the farm) would wait for the timeout.
      const stranded: CheckEntity[] = connectedSince === null ? [] : await manager
        .createQueryBuilder(CheckEntity, 'c')
        .innerJoin(TileEntity, 't', 't.checkId = c.id')
        .where("c.state = 'open' AND t.state = 'pending' AND c.createdAt < :connectedSince", { connectedSince })
        .andWhere(
          `NOT EXISTS (SELECT 1 FROM workers w WHERE w."lastSeenAt" >= :connectedSince
             AND NOT EXISTS (SELECT 1 FROM tile_exclusions x WHERE x."tileId" = t.id AND x.excluded = 'worker:' || w.id))`,
        )
        .getMany();
      for (const check of stranded) if (!stale.some((c) => c.id === check.id)) stale.push(check);
      for (const check of stale) await this.abandon(manager, check.id, 'no worker could take the check in time', now);
      const frames = new Set<string>();
      for (const jobId of new Set(stale.map((c) => c.jobId))) for (const frame of await this.stitchable(manager, jobId)) frames.add(frame);
      return [...frames];
    });
  }

  /**
   * A check that can no longer run (its regions failed every attempt): closed without a verdict, nobody
   * penalised, the original stands unverified.
   */
  async abandon(manager: EntityManager, checkId: string, note: string, now: number): Promise<void> {
    await manager.update(CheckEntity, { id: checkId, state: 'open' }, { state: 'abandoned', note, resolvedAt: now });
    await manager.update(TileEntity, { checkId, state: In(['pending', 'leased']) }, { state: 'cancelled', leaseExpiresAt: null });
  }

  /**
   * A worker caught lying on a job: blocklisted for it, its streaks reset, flagged for an admin, every tile it
   * delivered in the job that no check verified rendered again (backtracking), its operator's pending
   * earnings on the job forfeited. Returns how many tiles went back.
   */
  private async penalise(manager: EntityManager, jobId: string, workerId: string, reason: string, now: number): Promise<number> {
    if (!(await manager.findOneBy(JobBlocklistEntity, { jobId, workerId }))) {
      await manager.insert(JobBlocklistEntity, { jobId, workerId, reason: `caught by a spot-check: ${reason}`.slice(0, 1000), createdAt: now });
    }
    const keys = await manager.findBy(WorkerReputationEntity, { workerId });
    for (const key of keys) await manager.update(WorkerReputationEntity, { workerId, rendererVersion: key.rendererVersion, deviceClass: key.deviceClass }, { consecutiveValid: 0, updatedAt: now });
    if (keys[0]) await manager.increment(WorkerReputationEntity, { workerId, rendererVersion: keys[0].rendererVersion, deviceClass: keys[0].deviceClass }, 'invalidResults', 1);
    await manager.update(WorkerEntity, { id: workerId }, { flaggedAt: now, flagReason: `caught by a spot-check in job ${jobId}: ${reason}` });
    const delivered: TileEntity[] = await manager
      .createQueryBuilder(TileEntity, 't')
      .innerJoin('attempts', 'a', 'a.id = t."leaseId"')
      .where("t.jobId = :jobId AND t.state = 'accepted' AND t.purpose = 'render' AND t.verifiedAt IS NULL AND a.workerId = :workerId", { jobId, workerId })
      .getMany();
    const rejected = await this.reject(manager, delivered, now);
    // What it is rendering of the job now is not waited for: those tiles go to others, its results are refused.
    for (const attempt of await manager.findBy(AttemptEntity, { jobId, workerId, state: 'active' })) {
      if (!(await closeAttempt(manager, attempt.id, 'abort', now, { error: 'its worker was caught cheating' }))) continue;
      const tile = await tileOfLease(manager, attempt);
      if (tile) await handOver(manager, tile, attempt.id, requeue('release'));
    }
    const worker = await manager.findOneBy(WorkerEntity, { id: workerId });
    const job = await manager.findOneBy(JobEntity, { id: jobId });
    if (worker?.operatorId && job?.accountId) await this.ledger.forfeit(manager, { jobId, operatorId: worker.operatorId, reason: `worker ${workerId} caught cheating` });
    return rejected;
  }

  /**
   * Sends accepted render tiles back to pending (their frames wait for them again, reopened if stitched) and
   * abandons the open checks of those tiles, which are moot now.
   */
  private async reject(manager: EntityManager, tiles: TileEntity[], now: number): Promise<number> {
    let count = 0;
    for (const tile of tiles) {
      const moved = await manager.update(
        TileEntity,
        { id: tile.id, state: 'accepted', purpose: 'render' },
        { state: tileTransition('accepted', { type: 'reject' }), leaseId: null, outputKey: null, pixelSha256: null, verifiedAt: null },
      );
      if (moved.affected !== 1) continue;
      count += 1;
      await manager.decrement(FrameEntity, { id: tile.frameId }, 'tilesAccepted', 1);
      const frame = await manager.findOneByOrFail(FrameEntity, { id: tile.frameId });
      if (frame.state === 'done') await manager.update(FrameEntity, { id: frame.id, state: 'done' }, { state: frameTransition('done', 'reopen') });
      if (frame.state === 'stitching') await manager.update(FrameEntity, { id: frame.id, state: 'stitching' }, { state: frameTransition('stitching', 'stitchFailed'), stitchStartedAt: null });
      const open = await manager.findBy(CheckEntity, { tileId: tile.id, state: 'open' });
      for (const check of open) await this.abandon(manager, check.id, 'the tile under check was rejected', now);
    }
    return count;
  }

  /** Frames of the job whose render tiles are all accepted and whose checks are all resolved. */
  private async stitchable(manager: EntityManager, jobId: string): Promise<string[]> {
    const frames: FrameEntity[] = await manager
      .createQueryBuilder(FrameEntity, 'f')
      .where('f.jobId = :jobId AND f.state = :pending AND f."tilesAccepted" = f."tilesTotal"', { jobId, pending: 'pending' })
      .andWhere(`NOT EXISTS (SELECT 1 FROM checks c WHERE c."frameId" = f.id AND c.state = 'open')`)
      .getMany();
    return frames.map((f) => f.id);
  }

  private async workerOfLease(manager: EntityManager, leaseId: string): Promise<string | null> {
    return (await manager.findOneBy(AttemptEntity, { id: leaseId }))?.workerId ?? null;
  }

  private async workerRow(manager: EntityManager, id: string): Promise<{ id: string; operatorId: string | null }> {
    const worker = await manager.findOneBy(WorkerEntity, { id });
    return { id, operatorId: worker?.operatorId ?? null };
  }
}

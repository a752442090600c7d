import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Region, RendererName, TesseraConfig } from '@tessera/contracts';
import {
  arbitrate, checkPolicyOf, choosePatches, Clock, comparisonMode, decideCheck, RandomSource, type Arbitration, type CheckPolicy,
} from '@tessera/domain';
import { compareImages, cropDecoded, decodePng, pixelHash, type DecodedImage } from '@tessera/imaging';
import { AttemptEntity, CheckRepository, Database, JobEntity, TileEntity, WorkerRepository, type CheckDecider, type CheckStageView, type StageVerdict } from '@tessera/persistence';
import { TESSERA_CONFIG } from '@tessera/runtime';
import { ObjectStorage } from '@tessera/storage';
import { In } from 'typeorm';
import { JobEventsPublisher } from './job-events.publisher';
import { StitchService } from './stitch.service';

/**
 * Spot-checks in the coordinator (docs/verification.md). `decider` is handed to the acceptance transaction,
 * which calls it after the worker committed to its pixel hash: the policy and a CSPRNG decide whether the
 * result is checked and which patches are rendered again. `compare` runs when the regions of a check stage
 * are all in: each is compared with the same rectangle of the tile under check (exactly, or within the
 * renderer's tolerance), a mismatch goes to arbitration by a third worker, and the verdict is recorded.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);
  private readonly policy: CheckPolicy;

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly db: Database,
    private readonly checks: CheckRepository,
    private readonly workers: WorkerRepository,
    private readonly storage: ObjectStorage,
    private readonly stitcher: StitchService,
    private readonly events: JobEventsPublisher,
  ) {
    this.policy = checkPolicyOf(config.verification);
  }

  /**
   * The decision for one accepted result, or undefined when spot-checks are off or no other worker is
   * connected (a farm of one worker has no one to check it).
   */
  async decider(workerId: string): Promise<CheckDecider | undefined> {
    if (!this.config.verification.enabled) return undefined;
    const since = this.clock.now() - this.config.scheduling.leaseTtlMs;
    if (!(await this.workers.anotherConnected(workerId, since))) return undefined;
    const otherOperatorWaitMs = this.config.verification.otherOperatorWaitMs;
    return (reputation, tile) => {
      const decision = decideCheck(reputation, this.policy, this.random);
      if (!decision.check) return null;
      const regions = decision.kind === 'whole-tile' ? [regionOf(tile)] : choosePatches(tile, this.policy, this.random);
      return { kind: decision.kind, regions, otherOperatorWaitMs };
    };
  }

  /** A region of `checkId` was accepted: when its stage is complete, compare and resolve. */
  async regionAccepted(checkId: string): Promise<void> {
    const view = await this.checks.stage(checkId);
    if (!view?.complete) return;
    const job = await this.db.manager.findOneByOrFail(JobEntity, { id: view.check.jobId });
    const verdict = await this.compare(view, job.renderer as RendererName);
    const stage = view.check.stage;
    const resolution = await this.checks.resolve(checkId, stage, verdict, this.clock.now(), this.config.verification.otherOperatorWaitMs);
    if (!resolution) return;
    const where = `check ${checkId} of tile ${view.subject.id} (job ${job.id}, worker ${view.check.subjectWorkerId})`;
    if (resolution.state === 'arbitration') this.logger.warn(`${where}: the check disagrees; a third worker arbitrates`);
    else if (resolution.penalised) {
      this.logger.warn(`${where}: ${resolution.state}; worker ${resolution.penalised} penalised, ${resolution.rejectedTiles} tile(s) to render again`);
    } else if (resolution.state !== 'passed') this.logger.warn(`${where}: ${resolution.state}`);
    this.events.publish({ type: 'check.resolved', jobId: job.id, checkId, state: resolution.state });
    for (const frameId of resolution.framesToStitch) this.stitcher.stitchInBackground(frameId);
  }

  /**
   * The sweeper's part: stages complete but not compared (a crash or storage error in between) are compared;
   * checks no eligible worker took in time are dropped, and their frames stitched.
   */
  async sweep(): Promise<void> {
    for (const checkId of await this.checks.completeStages()) {
      await this.regionAccepted(checkId).catch((error: Error) => this.logger.error(`comparing check ${checkId} failed: ${error.message}`));
    }
    await this.dropStale();
  }

  private async dropStale(): Promise<void> {
    const now = this.clock.now();
    const frames = await this.checks.abandonStale(now - this.config.verification.checkTimeoutMs, now, now - this.config.scheduling.leaseTtlMs);
    for (const frameId of frames) this.stitcher.stitchInBackground(frameId);
  }

  private async compare(view: CheckStageView, renderer: RendererName): Promise<StageVerdict> {
    const original = await this.decode(view.subject);
    const crop = (region: Region) =>
      cropDecoded(original, { x: region.x - view.subject.x, y: region.y - view.subject.y, width: region.width, height: region.height });
    const { devices, workers } = await this.renderers([view.subject.leaseId, ...view.checks.map((t) => t.leaseId), ...view.arbitrations.map((t) => t.leaseId)]);
    const same = (a: TileEntity, b: TileEntity, aImage: DecodedImage, bImage: DecodedImage) => {
      const mode = comparisonMode({
        renderer,
        sameRegion: a.width === b.width && a.height === b.height && a.x === b.x && a.y === b.y,
        sameDeviceClass: devices.get(a.leaseId ?? '') === devices.get(b.leaseId ?? ''),
      });
      return mode === 'exact' ? exactlyEqual(aImage, bImage) : compareImages(aImage, bImage).then((c) => c.withinTolerance);
    };
    if (view.check.stage === 'check') {
      const mismatched: Array<Region & { checkerWorkerId: string }> = [];
      for (const region of view.checks) {
        if (await same(view.subject, region, crop(region), await this.decode(region))) continue;
        mismatched.push({ ...regionOf(region), checkerWorkerId: workers.get(region.leaseId ?? '') ?? 'unknown' });
      }
      return mismatched.length === 0 ? { verdict: 'agreed' } : { verdict: 'needs-third', regions: mismatched };
    }
    // Arbitration: each third render against the original's pixels and the check's, 2 of 3 per region.
    const verdicts: Arbitration[] = [];
    const liars: string[] = [];
    for (const third of view.arbitrations) {
      const check = view.checks.find((t) => t.x === third.x && t.y === third.y && t.width === third.width && t.height === third.height);
      if (!check) continue;
      const [thirdImage, checkImage] = [await this.decode(third), await this.decode(check)];
      const withOriginal = await same(view.subject, third, crop(third), thirdImage);
      const withCheck = await same(check, third, checkImage, thirdImage);
      // The rule of 2 of 3 over what was measured: the original (O) and the check (C) disagree on this region.
      const agree = new Map([['C|O', false], ['O|T', withOriginal], ['C|T', withCheck]]);
      const verdict = arbitrate('O', 'C', 'T', (a, b) => a === b || agree.get([a, b].sort().join('|')) === true);
      verdicts.push(verdict);
      if (verdict.verdict === 'check-invalid') liars.push(workers.get(check.leaseId ?? '') ?? 'unknown');
    }
    const reason = (who: string) => `${verdicts.length} region(s) rendered by three workers: ${who}`;
    if (verdicts.some((v) => v.verdict === 'original-invalid')) return { verdict: 'original-invalid', reason: reason('the third sides with the check') };
    if (verdicts.some((v) => v.verdict === 'check-invalid')) return { verdict: 'check-invalid', reason: reason('the third sides with the original'), liars };
    if (verdicts.some((v) => v.verdict === 'inconclusive') || verdicts.length === 0) return { verdict: 'inconclusive', reason: reason('no majority') };
    return { verdict: 'agreed' };
  }

  private async decode(tile: TileEntity): Promise<DecodedImage> {
    return decodePng(await this.storage.getBuffer(tile.outputKey as string));
  }

  /** The device class and the worker of each lease. */
  private async renderers(leaseIds: Array<string | null>): Promise<{ devices: Map<string, string | null>; workers: Map<string, string> }> {
    const ids = leaseIds.filter((id): id is string => id !== null);
    const attempts = await this.db.manager.findBy(AttemptEntity, { id: In(ids) });
    return { devices: new Map(attempts.map((a) => [a.id, a.device])), workers: new Map(attempts.map((a) => [a.id, a.workerId])) };
  }
}

const regionOf = (tile: Region): Region => ({ x: tile.x, y: tile.y, width: tile.width, height: tile.height });

/** Exact comparison: the pixel hashes of the two images. */
async function exactlyEqual(a: DecodedImage, b: DecodedImage): Promise<boolean> {
  return (await pixelHash(a)) === (await pixelHash(b));
}

import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RendererName, TesseraConfig } from '@tessera/contracts';
import { checkPricing, Clock, estimateJob, parseVersionRange, satisfiesVersion, formatCredits, formatFrameSpec, parseFrameSpec, parseTiling, planTiles, resolveTiling, type PricingConfig } from '@tessera/domain';
import { CheckRepository, JobEntity, JobRepository, LedgerRepository, planRows, SceneRepository, tileLogKey, WorkerRepository } from '@tessera/persistence';
import { TESSERA_CONFIG } from '@tessera/runtime';
import { ObjectStorage } from '@tessera/storage';
import { FrameNotReadyError, IdempotencyMismatchError, InvalidJobError, NotFoundError } from '../api.errors';
import type { SubmitJobDto } from './submit-job.dto';
import type { FrameView, JobCostView, JobView, TileView } from './job.view';

/** More tiles than this in one job is refused: split the frames over several jobs. */
export const MAX_TILES_PER_JOB = 200_000;
const RECENT_ERRORS = 10;

@Injectable()
export class JobService {
  private readonly pricing: PricingConfig;

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly jobs: JobRepository,
    private readonly scenes: SceneRepository,
    private readonly workers: WorkerRepository,
    private readonly ledger: LedgerRepository,
    private readonly checks: CheckRepository,
    private readonly storage: ObjectStorage,
  ) {
    this.pricing = checkPricing(config.pricing);
  }

  /**
   * Plans a job into frames x tiles and records it all at once. Planning happens here, at submission, so a
   * request that cannot be planned (more tiles than pixels, frames outside the scene) is refused with a 400
   * instead of failing later, and a recorded job is never half-planned. The job's estimate is held in escrow
   * from the account in the same transaction (InsufficientCreditsError, a 402, when the balance cannot
   * cover it); a replay under the same Idempotency-Key returns the first job and holds nothing more.
   */
  async submit(accountId: string, dto: SubmitJobDto, idempotencyKey: string | undefined): Promise<{ job: JobView; created: boolean }> {
    const requestHash = createHash('sha256').update(JSON.stringify(dto, Object.keys(dto).sort())).digest('hex');
    if (idempotencyKey) {
      const previous = await this.jobs.findByIdempotencyKey(accountId, idempotencyKey);
      if (previous) return { job: await this.view(this.sameRequest(previous, requestHash, idempotencyKey)), created: false };
    }
    const owned = await this.scenes.findOwned(dto.sceneId, accountId);
    if (!owned) throw new InvalidJobError(`sceneId: no scene with id ${dto.sceneId}; upload it with POST /v1/scenes first`);
    const { scene } = owned;
    const renderer = (dto.renderer ?? scene.renderer) as RendererName;
    if (renderer !== scene.renderer) throw new InvalidJobError(`renderer: the scene was uploaded for ${scene.renderer}, not ${renderer}`);
    const rendererVersion = dto.rendererVersion === undefined ? null : parseVersionRange(dto.rendererVersion);
    const frames = parseFrameSpec(dto.frames ?? `${scene.info.frameStart}-${scene.info.frameEnd}`, {
      min: scene.info.frameStart,
      max: scene.info.frameEnd,
    });
    const width = dto.width ?? scene.info.width;
    const height = dto.height ?? scene.info.height;
    const grid = resolveTiling(parseTiling(dto.tiles ?? 'auto'), width, height);
    const regions = planTiles(width, height, grid.cols, grid.rows);
    if (regions.length * frames.length > MAX_TILES_PER_JOB) {
      throw new InvalidJobError(`tiles: ${frames.length} frames x ${regions.length} tiles is ${regions.length * frames.length} tiles; the limit is ${MAX_TILES_PER_JOB} per job`);
    }
    const samples = dto.samples ?? scene.info.samples;
    const estimate = estimateJob(this.pricing, { renderer, samples, regions, frames: frames.length });
    const now = this.clock.now();
    const job = Object.assign(new JobEntity(), {
      id: randomUUID(),
      accountId,
      ratePerMegasample: this.pricing.ratePerMegasample[renderer],
      feeBasisPoints: this.pricing.feeBasisPoints,
      sceneId: scene.id,
      renderer,
      rendererVersion,
      frames,
      width,
      height,
      samples,
      seed: dto.seed ?? 0,
      tileCols: grid.cols,
      tileRows: grid.rows,
      bitDepth: dto.bitDepth ?? 8,
      priority: dto.priority ?? 0,
      maxAttempts: dto.maxAttempts ?? this.config.scheduling.maxAttempts,
      state: 'queued' as const,
      idempotencyKey: idempotencyKey ?? null,
      requestHash,
      error: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    });
    const { job: stored, created } = await this.jobs.insertPlanned(planRows(job, regions), estimate);
    const result = created ? stored : this.sameRequest(stored, requestHash, idempotencyKey as string);
    return { job: await this.view(result), created };
  }

  /** `accountId` null: every account's jobs (an admin). `before`: the last job id of the previous page. */
  async list(accountId: string | null, limit: number, state?: string, before?: string): Promise<JobView[]> {
    const after = before === undefined ? undefined : await this.find(before, accountId);
    const jobs = await this.jobs.list(accountId, limit, state, after);
    return Promise.all(jobs.map((job) => this.view(job)));
  }

  async get(id: string, accountId: string | null): Promise<JobView> {
    return this.view(await this.find(id, accountId));
  }

  async cancel(id: string, accountId: string | null): Promise<JobView> {
    await this.find(id, accountId);
    const outcome = await this.jobs.cancel(id, this.clock.now());
    if (!outcome) throw new NotFoundError(`no job with id ${id}`);
    return this.view(outcome.job);
  }

  async frames(id: string, accountId: string | null): Promise<FrameView[]> {
    await this.find(id, accountId);
    const ttl = this.config.scheduling.presignTtlSeconds;
    const frames = await this.jobs.frames(id);
    return Promise.all(
      frames.map(async (f) => ({
        frame: f.frame,
        state: f.state,
        tilesAccepted: f.tilesAccepted,
        tilesTotal: f.tilesTotal,
        url: f.outputKey ? await this.storage.presignGet(f.outputKey, ttl) : null,
        thumbnailUrl: f.thumbnailKey ? await this.storage.presignGet(f.thumbnailKey, ttl) : null,
      })),
    );
  }

  /** The stitched frame (or its thumbnail) as a stream from object storage. */
  async frameImage(id: string, accountId: string | null, frameNumber: number, which: 'frame' | 'thumbnail'): Promise<{ stream: Readable; size: number; url: string }> {
    await this.find(id, accountId);
    const frame = await this.jobs.frame(id, frameNumber);
    if (!frame) throw new NotFoundError(`job ${id} has no frame ${frameNumber}`);
    const key = which === 'frame' ? frame.outputKey : frame.thumbnailKey;
    if (frame.state !== 'done' || !key) {
      throw new FrameNotReadyError(`frame ${frameNumber} of job ${id} is ${frame.state} (${frame.tilesAccepted}/${frame.tilesTotal} tiles accepted)`);
    }
    const head = await this.storage.headObject(key);
    if (!head) throw new NotFoundError(`frame ${frameNumber} of job ${id} is recorded but missing from storage`);
    return {
      stream: await this.storage.getObject(key),
      size: head.size,
      url: await this.storage.presignGet(key, this.config.scheduling.presignTtlSeconds),
    };
  }

  async tiles(id: string, accountId: string | null, limit: number, offset: number): Promise<TileView[]> {
    await this.find(id, accountId);
    const tiles = await this.jobs.tiles(id, limit, offset);
    return tiles.map((t) => ({
      id: t.id, frame: t.frame, index: t.index, x: t.x, y: t.y, width: t.width, height: t.height,
      state: t.state, attempts: t.attempts, failures: t.failures, error: t.error,
    }));
  }

  /** The renderer's log of a tile's latest attempt that left one (failed renders included). */
  async tileLog(id: string, accountId: string | null, tileId: string): Promise<{ stream: Readable; size: number; attempt: number; workerId: string }> {
    await this.find(id, accountId);
    const attempts = /^[0-9a-f-]{36}$/.test(tileId) ? await this.jobs.attemptsOfTile(id, tileId) : [];
    if (attempts.length === 0) throw new NotFoundError(`job ${id} has no tile ${tileId}`);
    for (const attempt of attempts) {
      const key = tileLogKey(id, tileId, attempt.id);
      const head = await this.storage.headObject(key);
      if (head) return { stream: await this.storage.getObject(key), size: head.size, attempt: attempt.number, workerId: attempt.workerId };
    }
    throw new NotFoundError(`no log for tile ${tileId} of job ${id} yet: its renders have not written one`);
  }

  /** The job if the account may see it; another account's job is not found (404, never 403: its existence is not ours to reveal). */
  private async find(id: string, accountId: string | null): Promise<JobEntity> {
    const job = /^[0-9a-f-]{36}$/.test(id) ? await this.jobs.findOwned(id, accountId) : null;
    if (!job) throw new NotFoundError(`no job with id ${id}`);
    return job;
  }

  private async checkCounts(jobId: string) {
    const { open, passed, failed, inconclusive, abandoned, arbitrated, 'checker-failed': checkerFailed } = await this.checks.counts(jobId);
    return { open, passed, failed, checkerFailed, inconclusive, abandoned, arbitrated };
  }

  /** Where the job's credits stand, for its status and the CLI's cost line. */
  private async cost(job: JobEntity): Promise<JobCostView | null> {
    const statement = await this.ledger.jobStatement(job.id);
    if (!statement) return null;
    const held = statement.tilesPrice + statement.allowance;
    const micro = { held, spent: statement.cost, refunded: statement.refunded, settled: statement.settled };
    return {
      ...micro,
      heldCredits: formatCredits(held),
      spentCredits: formatCredits(statement.cost),
      refundedCredits: formatCredits(statement.refunded),
      ratePerMegasample: job.ratePerMegasample,
    };
  }

  /**
   * A job no connected worker can run stays queued rather than failing: it starts when such a worker
   * registers. A worker counts as connected while its heartbeats are younger than a lease.
   */
  private async waitingFor(job: JobEntity): Promise<string | null> {
    const since = this.clock.now() - this.config.scheduling.leaseTtlMs;
    const workers = (await this.workers.list()).filter((w) => w.lastSeenAt >= since);
    const fits = (r: { name: string; version: string }) => r.name === job.renderer && satisfiesVersion(r.version, job.rendererVersion);
    if (workers.some((w) => w.capabilities.renderers.some(fits))) return null;
    const wanted = job.rendererVersion ? `${job.renderer} ${job.rendererVersion}` : job.renderer;
    return `no worker with ${wanted} connected (${workers.length} worker(s) connected); the job starts when one registers`;
  }

  private sameRequest(job: JobEntity, requestHash: string, key: string): JobEntity {
    if (job.requestHash !== requestHash) {
      throw new IdempotencyMismatchError(`Idempotency-Key ${key} was used for a different request (job ${job.id}); use a new key`);
    }
    return job;
  }

  private async view(job: JobEntity): Promise<JobView> {
    const counts = await this.jobs.tileCounts(job.id);
    const frames = await this.jobs.frames(job.id);
    const errors = await this.jobs.recentErrors(job.id, RECENT_ERRORS);
    const end = job.finishedAt ?? this.clock.now();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      id: job.id,
      state: job.state,
      sceneId: job.sceneId,
      renderer: job.renderer,
      rendererVersion: job.rendererVersion,
      frames: formatFrameSpec(job.frames),
      frameCount: job.frames.length,
      framesDone: frames.filter((f) => f.state === 'done').length,
      width: job.width,
      height: job.height,
      samples: job.samples,
      seed: job.seed,
      tiling: `${job.tileCols}x${job.tileRows}`,
      format: 'png',
      bitDepth: job.bitDepth,
      priority: job.priority,
      maxAttempts: job.maxAttempts,
      tiles: { total: Object.values(counts).reduce((a, b) => a + b, 0), ...counts },
      timings: {
        createdAt: new Date(job.createdAt).toISOString(),
        startedAt: iso(job.startedAt),
        finishedAt: iso(job.finishedAt),
        elapsedSeconds: Math.max(0, (end - job.createdAt) / 1000),
      },
      error: job.error,
      waitingFor: job.state === 'queued' ? await this.waitingFor(job) : null,
      errors: errors.map((a) => ({ tileId: a.tileId, leaseId: a.id, workerId: a.workerId, message: a.error ?? '', at: iso(a.finishedAt) })),
      checks: await this.checkCounts(job.id),
      cost: await this.cost(job),
    };
  }
}

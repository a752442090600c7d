import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type HeartbeatReply,
  type HeartbeatRequest,
  type Lease,
  type RegisterReply,
  type RegisterRequest,
  type ReleaseReply,
  type ReleaseRequest,
  type TesseraConfig,
  type WorkReply,
  type WorkRequest,
} from '@tessera/contracts';
import { Clock } from '@tessera/domain';
import { AccountRepository, LeaseRepository, SceneRepository, tileLogKey, WorkerRepository, type GrantedLease } from '@tessera/persistence';
import { LOG_CONTENT_TYPE } from '@tessera/contracts';
import { ObjectStorage } from '@tessera/storage';
import { UnknownWorkerError } from './errors';
import { TESSERA_CONFIG } from '@tessera/runtime';

/**
 * A worker holds at most this many leases per slot: the tiles it renders, and as many again whose results
 * wait in the stream for a coordinator. Beyond that its work requests get nothing until the results are in.
 */
const HOLD_LIMIT_PER_SLOT = 2;

/** Answers workers: registration, work requests (leases), heartbeats (renewals and aborts), releases. */
@Injectable()
export class SchedulerService {
  private readonly logger = new Logger(SchedulerService.name);

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly leases: LeaseRepository,
    private readonly workers: WorkerRepository,
    private readonly accounts: AccountRepository,
    private readonly scenes: SceneRepository,
    private readonly storage: ObjectStorage,
  ) {}

  async register(request: RegisterRequest): Promise<RegisterReply> {
    const now = this.clock.now();
    // Whom its tiles pay: the operator that registered its key (none: it renders unpaid, and uncharged).
    const operatorId = await this.accounts.payeeOf(request.publicKey);
    await this.workers.register({ id: request.workerId, name: request.name, capabilities: request.capabilities, operatorId, lastSeenAt: now }, now);
    // A worker registers when it starts: whatever it held before a restart is lost on its side.
    const released = await this.leases.releaseAll(request.workerId, now, 'worker registered again');
    if (released.length > 0) this.logger.warn(`worker ${request.workerId} restarted; ${released.length} lease(s) it held are pending again`);
    const renderers = request.capabilities.renderers.map((r) => `${r.name} ${r.version}`).join(', ');
    this.logger.log(`worker ${request.workerId} (${request.name}) registered: ${request.capabilities.slots} slots, ${renderers}`);
    return {
      workerId: request.workerId,
      heartbeatIntervalMs: this.config.scheduling.heartbeatIntervalMs,
      leaseTtlMs: this.config.scheduling.leaseTtlMs,
    };
  }

  /** No tile available is not an error: the reply holds an empty list. */
  async requestWork(request: WorkRequest): Promise<WorkReply> {
    const worker = await this.workers.findById(request.workerId);
    if (!worker) throw new UnknownWorkerError(request.workerId);
    const granted = await this.leases.grant({
      workerId: worker.id,
      operatorId: worker.operatorId,
      builds: worker.capabilities.renderers,
      renderers: worker.capabilities.renderers.map((r) => r.name),
      max: request.max,
      holdLimit: HOLD_LIMIT_PER_SLOT * worker.capabilities.slots,
      now: this.clock.now(),
      ttlMs: this.config.scheduling.leaseTtlMs,
      retryElsewhereBefore: this.clock.now() - this.config.scheduling.retryElsewhereMs,
    });
    return { leases: await Promise.all(granted.map((g) => this.toLease(g))) };
  }

  async heartbeat(request: HeartbeatRequest): Promise<HeartbeatReply> {
    const worker = await this.workers.findById(request.workerId);
    if (!worker) throw new UnknownWorkerError(request.workerId);
    const now = this.clock.now();
    await this.workers.touch(worker.id, now);
    const outcome = await this.leases.renew(worker.id, request.leaseIds, now, this.config.scheduling.leaseTtlMs);
    return {
      renewed: outcome.renewed.map((r) => ({ leaseId: r.leaseId, expiresAt: new Date(r.expiresAt).toISOString() })),
      abort: outcome.abort,
    };
  }

  async release(request: ReleaseRequest): Promise<ReleaseReply> {
    const released = await this.leases.release(request.workerId, request.leaseIds, this.clock.now(), request.reason);
    if (released.length > 0) this.logger.log(`worker ${request.workerId} released ${released.length} lease(s): ${request.reason}`);
    return { released };
  }

  private async toLease({ attempt, tile, job }: GrantedLease): Promise<Lease> {
    const scene = await this.scenes.findById(job.sceneId);
    if (!scene) throw new Error(`job ${job.id} names scene ${job.sceneId}, which is not recorded`);
    const ttl = this.config.scheduling.presignTtlSeconds;
    return {
      leaseId: attempt.id,
      tileId: tile.id,
      jobId: job.id,
      attempt: attempt.number,
      renderer: job.renderer as Lease['renderer'],
      frame: tile.frame,
      width: job.width,
      height: job.height,
      region: { x: tile.x, y: tile.y, width: tile.width, height: tile.height },
      samples: job.samples,
      seed: job.seed,
      bitDepth: job.bitDepth as Lease['bitDepth'],
      scene: { sha256: scene.id, size: scene.size, url: await this.storage.presignGet(scene.storageKey, ttl) },
      output: { url: await this.storage.presignPut(attempt.outputKey, ttl, 'image/png') },
      log: { url: await this.storage.presignPut(tileLogKey(job.id, tile.id, attempt.id), ttl, LOG_CONTENT_TYPE) },
      expiresAt: new Date(attempt.expiresAt).toISOString(),
    };
  }
}

import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import {
  heartbeatReplySchema,
  registerReplySchema,
  releaseReplySchema,
  resultSigner,
  signResult,
  subjects,
  type UnsignedTileResult,
  workReplySchema,
  type Lease,
  LOG_CONTENT_TYPE,
} from '@tessera/contracts';
import { pixelHash } from '@tessera/imaging';
import { NATS_CONNECTION, RemoteError, requestJson, type NatsConnection } from '@tessera/messaging';
import { RENDER_LOG_LIMIT, RenderFailedError, RendererRegistry } from '@tessera/renderers';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectCapabilities } from './capabilities';
import { ResultOutbox } from './result-outbox';
import { SceneCache } from './scene-cache';
import { uploadTile } from './tile-upload';
import { withStorageRetries } from './transient';
import { WORKER_OPTIONS, type WorkerOptions } from './worker.options';

interface RunningTile {
  lease: Lease;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The agent on a render node. It registers with its capabilities, asks for as many tiles as it has free
 * slots, renders each (scene from the local cache), uploads the PNG through the lease's presigned PUT and
 * publishes the result to JetStream on its own subject. A heartbeat renews the leases it holds; the reply
 * names leases to abort (cancelled or reassigned), which are stopped at once.
 */
@Injectable()
export class WorkerAgent implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerAgent.name);
  private readonly tiles = new Map<string, RunningTile>();
  private readonly outbox: ResultOutbox;
  /**
   * Leases whose result is in JetStream but not yet taken by a coordinator. They keep being renewed: a busy
   * coordinator may need longer than a lease to reach a result, and an expired lease would turn a result
   * delivered in time into a late one. A heartbeat reply that no longer renews one (the attempt is closed)
   * ends it.
   */
  private readonly delivered = new Set<string>();
  private stopping = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private workLoop: Promise<void> = Promise.resolve();
  private wakeUp: () => void = () => undefined;
  private rendered = 0;
  /** Every result is signed before it is queued: the signature is the worker's commitment to it. */
  private readonly sign: (result: UnsignedTileResult) => UnsignedTileResult & { signature: string };

  constructor(
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly renderers: RendererRegistry,
    private readonly cache: SceneCache,
  ) {
    this.outbox = new ResultOutbox(jetstream(nc), options.workerId, (leaseId) => this.delivered.add(leaseId));
    const signer = resultSigner(options.identity.seed);
    this.sign = (result) => signResult(result, signer);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const note of this.renderers.notes) this.logger.warn(note);
    const heartbeatMs = await this.register();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.workLoop = this.askForWork();
  }

  get tilesRendered(): number {
    return this.rendered;
  }

  /** Registers, retrying while no coordinator answers yet (they may start after the workers). */
  private async register(): Promise<number> {
    const capabilities = await detectCapabilities(this.renderers, this.options.slots);
    for (;;) {
      try {
        const reply = await requestJson(
          this.nc,
          subjects.workerRegister(this.options.workerId),
          { workerId: this.options.workerId, name: this.options.name, protocol: 'v1', publicKey: this.options.identity.publicKey, capabilities },
          registerReplySchema,
          this.options.requestTimeoutMs,
        );
        const gpus = capabilities.gpus.map((g) => g.name).join(', ') || 'none';
        this.logger.log(`registered as ${this.options.workerId}: ${capabilities.slots} slot(s), ${capabilities.cpuCores} cores, GPUs: ${gpus}`);
        return reply.heartbeatIntervalMs;
      } catch (error) {
        if (this.stopping) throw error;
        this.logger.warn(`registration failed (${(error as Error).message}); retrying`);
        await sleep(1000);
      }
    }
  }

  private async askForWork(): Promise<void> {
    while (!this.stopping) {
      const free = this.options.slots - this.tiles.size;
      if (free <= 0) {
        await this.idle(60_000);
        continue;
      }
      let leases: Lease[] = [];
      try {
        leases = (await requestJson(this.nc, subjects.workRequest(this.options.workerId), { workerId: this.options.workerId, max: free }, workReplySchema, this.options.requestTimeoutMs)).leases;
      } catch (error) {
        if (error instanceof RemoteError && error.code === 'unknown_worker') await this.register();
        else this.logger.warn(`work request failed: ${(error as Error).message}`);
      }
      for (const lease of leases) if (!this.stopping) this.start(lease);
      if (leases.length === 0) await this.idle(this.options.idlePollMs);
    }
  }

  /** Waits until a slot frees up, shutdown begins, or `ms` pass. */
  private async idle(ms: number): Promise<void> {
    const controller = new AbortController();
    const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
    await Promise.race([woken, sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined)]);
    controller.abort();
  }

  private start(lease: Lease): void {
    const abort = new AbortController();
    const done = this.render(lease, abort.signal).finally(() => {
      this.tiles.delete(lease.leaseId);
      this.wakeUp();
    });
    this.tiles.set(lease.leaseId, { lease, abort, done });
  }

  private async render(lease: Lease, aborted: AbortSignal): Promise<void> {
    const started = performance.now();
    const base = { leaseId: lease.leaseId, tileId: lease.tileId, attempt: lease.attempt, workerId: this.options.workerId };
    // A render that runs past the tile time limit is stopped like an abort, but reported as a failure.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.tileTimeoutMs);
    const signal = AbortSignal.any([aborted, timeout.signal]);
    try {
      const renderer = this.renderers.get(lease.renderer);
      const scenePath = await withStorageRetries(() => this.cache.get(lease.scene), signal);
      const tile = await renderer.renderTile({
        scenePath,
        frame: lease.frame,
        width: lease.width,
        height: lease.height,
        region: lease.region,
        samples: lease.samples,
        seed: lease.seed,
        bitDepth: lease.bitDepth,
        signal,
      });
      const hash = await pixelHash(tile.png);
      await withStorageRetries(() => uploadTile(lease.output.url, tile.png, signal), signal);
      await this.uploadLog(lease, tile.log, signal);
      this.outbox.enqueue(this.sign({
        ...base,
        status: 'rendered',
        pixelSha256: hash,
        width: lease.region.width,
        height: lease.region.height,
        renderSeconds: (performance.now() - started) / 1000,
        device: tile.device,
        rendererVersion: await renderer.version(),
      }));
      this.rendered += 1;
    } catch (error) {
      if (aborted.aborted) {
        this.logger.log(`tile ${lease.tileId} (frame ${lease.frame}) aborted`);
        return;
      }
      const message = timeout.signal.aborted
        ? `render timed out after ${this.options.tileTimeoutMs / 1000} s`
        : (error as Error).message || String(error);
      await this.uploadLog(lease, error instanceof RenderFailedError ? error.log : message, aborted);
      this.logger.warn(`tile ${lease.tileId} (frame ${lease.frame}) failed: ${message}`);
      this.outbox.enqueue(this.sign({ ...base, status: 'failed', error: message.slice(0, 4000), renderSeconds: (performance.now() - started) / 1000 }));
    } finally {
      clearTimeout(timer);
    }
  }

  /** The renderer's output for the artist; a log that cannot be stored is not worth failing the tile for. */
  private async uploadLog(lease: Lease, log: string | undefined, signal: AbortSignal): Promise<void> {
    if (!log) return;
    const body = Buffer.from(log.slice(-RENDER_LOG_LIMIT), 'utf8');
    await uploadTile(lease.log.url, body, signal, LOG_CONTENT_TYPE).catch((error: Error) =>
      this.logger.warn(`log of tile ${lease.tileId} not stored: ${error.message}`),
    );
  }

  private async heartbeat(): Promise<void> {
    try {
      const reply = await requestJson(
        this.nc,
        subjects.heartbeat(this.options.workerId),
        { workerId: this.options.workerId, leaseIds: [...this.tiles.keys(), ...this.outbox.leaseIds(), ...this.delivered].slice(0, 256) },
        heartbeatReplySchema,
        this.options.requestTimeoutMs,
      );
      for (const leaseId of reply.abort) {
        this.delivered.delete(leaseId);
        const tile = this.tiles.get(leaseId);
        if (!tile) continue;
        this.logger.log(`coordinator aborted lease ${leaseId} (frame ${tile.lease.frame})`);
        tile.abort.abort();
      }
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${(error as Error).message}`);
    }
  }

  /**
   * SIGTERM: stop asking for work, give running tiles `drainTimeoutMs` to finish, then stop the rest and give
   * their leases back so other workers take them at once instead of after the lease expires.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.workLoop;
    const running = [...this.tiles.values()];
    if (running.length > 0) {
      this.logger.log(`draining ${running.length} tile(s), up to ${this.options.drainTimeoutMs} ms`);
      await Promise.race([Promise.all(running.map((t) => t.done)), sleep(this.options.drainTimeoutMs)]);
    }
    const unfinished = [...this.tiles.values()];
    for (const tile of unfinished) tile.abort.abort();
    await Promise.all(unfinished.map((t) => t.done));
    if (unfinished.length > 0) {
      await requestJson(
        this.nc,
        subjects.leaseRelease(this.options.workerId),
        { workerId: this.options.workerId, leaseIds: unfinished.map((t) => t.lease.leaseId), reason: 'worker shutting down' },
        releaseReplySchema,
        this.options.requestTimeoutMs,
      ).catch((error: Error) => this.logger.warn(`releasing leases failed (${error.message}); they will expire`));
    }
    await this.renderers.close();
    const unpublished = await this.outbox.flush(this.options.drainTimeoutMs);
    if (unpublished > 0) this.logger.warn(`${unpublished} result(s) could not be published before exit; their leases will expire`);
    clearInterval(this.heartbeatTimer);
  }
}

import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { RendererName, TesseraConfig } from '@tessera/contracts';
import { Clock } from '@tessera/domain';
import { SceneEntity, SceneRepository } from '@tessera/persistence';
import { RendererRegistry } from '@tessera/renderers';
import { TESSERA_CONFIG } from '@tessera/runtime';
import { ObjectStorage } from '@tessera/storage';
import { NotFoundError, PayloadTooLargeError } from '../api.errors';
import type { SceneView } from './scene.dto';
import { spool } from './spool';

/**
 * Where an upload's bytes go: a key of its own, recorded on the scene. Stored while the body is still
 * arriving, the bytes cannot be put under their hash, which is known only at the end; an upload that is
 * refused, or whose bytes are already stored, deletes its object.
 */
function uploadKey(): string {
  return `scenes/${randomUUID()}`;
}

/**
 * Uploads: the body streams to a temporary file while its SHA-256 is computed (never held whole in memory),
 * and from that file on to object storage as it grows; meanwhile the chosen renderer reads the file and
 * refuses what it cannot render. The scene is recorded only once both are done. The same bytes uploaded
 * twice are stored once.
 */
@Injectable()
export class SceneService implements OnApplicationShutdown {
  private readonly logger = new Logger(SceneService.name);

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly scenes: SceneRepository,
    private readonly storage: ObjectStorage,
    private readonly renderers: RendererRegistry,
  ) {}

  /** Stores the upload for `accountId`, who owns the scene from then on (with anyone who uploaded the same bytes). */
  async upload(accountId: string, body: Readable, options: { renderer: RendererName; name?: string; contentLength?: number }): Promise<{ scene: SceneView; created: boolean }> {
    const limit = this.config.api.maxSceneBytes;
    if (options.contentLength !== undefined && options.contentLength > limit) {
      throw new PayloadTooLargeError(`scene is ${options.contentLength} bytes; the limit is ${limit}`);
    }
    const renderer = this.renderers.get(options.renderer);
    const dir = await mkdtemp(join(tmpdir(), 'tessera-upload-'));
    const path = join(dir, options.name ?? 'scene');
    const intake = spool(body, path, limit);
    const key = uploadKey();
    const bytes = intake.follow();
    const store = this.storage.putObject(key, bytes, { contentLength: options.contentLength, contentType: 'application/octet-stream' });
    store.catch(() => undefined); // awaited below, or abandoned in `finally`
    let kept = false;
    try {
      const { sha256, size } = await intake.received;
      if (size === 0) throw new PayloadTooLargeError('scene is empty: send the file as the request body');
      const name = options.name ?? `scene-${randomUUID().slice(0, 8)}`;
      const owner = { accountId, name, now: this.clock.now() };
      const existing = await this.scenes.findById(sha256);
      if (existing && existing.renderer === options.renderer) {
        const saved = await this.scenes.saveIfAbsent(existing, owner);
        return { scene: toView(existing, saved.name), created: saved.created };
      }
      const [info] = await Promise.all([renderer.inspect(path), store.catch((error: Error) => this.storeAgain(key, path, size, error))]);
      const { scene, created, name: known } = await this.scenes.saveIfAbsent(
        Object.assign(new SceneEntity(), { id: sha256, renderer: options.renderer, size, name, storageKey: key, info, createdAt: this.clock.now() }),
        owner,
      );
      kept = scene.storageKey === key;
      return { scene: toView(scene, known), created };
    } finally {
      if (!kept) await this.discard(key, bytes, store);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * A store that failed while the body was arriving (a client that paused longer than the storage server
   * waits for bytes, a storage hiccup) is made once more from the complete file, at disk speed.
   */
  private async storeAgain(key: string, path: string, size: number, error: Error): Promise<void> {
    this.logger.warn(`storing ${key} while it arrived failed (${error.message}); storing it again from the spooled file`);
    await this.storage.putObject(key, createReadStream(path), { contentLength: size, contentType: 'application/octet-stream' });
  }

  /** Stops an upload's store if it still runs, and deletes whatever it stored. */
  private async discard(key: string, bytes: Readable, store: Promise<void>): Promise<void> {
    bytes.destroy(new Error('upload not kept'));
    await store.catch(() => undefined);
    await this.storage.deleteObject(key).catch((error: Error) => this.logger.warn(`could not delete ${key} of an upload not kept: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.renderers.close();
  }

  /** A scene the account owns (any, for null: an admin); another account's scene is not found. */
  async get(id: string, accountId: string | null): Promise<SceneView> {
    const owned = /^[0-9a-f]{64}$/.test(id) ? await this.scenes.findOwned(id, accountId) : null;
    if (!owned) throw new NotFoundError(`no scene with id ${id}`);
    return toView(owned.scene, owned.name);
  }
}

/** A scene as its owner sees it: under the name that owner gave it. */
function toView(scene: SceneEntity, name: string): SceneView {
  return {
    id: scene.id,
    renderer: scene.renderer,
    name,
    size: scene.size,
    info: scene.info,
    createdAt: new Date(scene.createdAt).toISOString(),
  };
}

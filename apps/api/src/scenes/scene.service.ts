import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RendererName, TesseraConfig } from '@tessera/contracts';
import { Clock } from '@tessera/domain';
import { SceneEntity, SceneRepository } from '@tessera/persistence';
import { RendererRegistry } from '@tessera/renderers';
import { TESSERA_CONFIG } from '@tessera/runtime';
import { ObjectStorage } from '@tessera/storage';
import { NotFoundError, PayloadTooLargeError } from '../api.errors';
import type { SceneView } from './scene.dto';

export function sceneStorageKey(sha256: string): string {
  return `scenes/sha256/${sha256}`;
}

/**
 * Uploads: the body streams to a temporary file while its SHA-256 is computed (never held whole in memory),
 * the chosen renderer reads the file and refuses what it cannot render, and only then are the bytes stored
 * under their hash. The same bytes uploaded twice are stored once.
 */
@Injectable()
export class SceneService implements OnApplicationShutdown {
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
    try {
      const path = join(dir, options.name ?? 'scene');
      const sha256 = await spoolWithHash(body, path, limit);
      const size = (await stat(path)).size;
      if (size === 0) throw new PayloadTooLargeError('scene is empty: send the file as the request body');
      const name = options.name ?? `scene-${randomUUID().slice(0, 8)}`;
      const owner = { accountId, name, now: this.clock.now() };
      const existing = await this.scenes.findById(sha256);
      if (existing && existing.renderer === options.renderer) {
        const saved = await this.scenes.saveIfAbsent(existing, owner);
        return { scene: toView(existing, saved.name), created: saved.created };
      }
      const info = await renderer.inspect(path);
      const key = sceneStorageKey(sha256);
      if (!(await this.storage.headObject(key))) {
        await this.storage.putObject(key, createReadStream(path), { contentLength: size, contentType: 'application/octet-stream' });
      }
      const { scene, created, name: known } = await this.scenes.saveIfAbsent(
        Object.assign(new SceneEntity(), { id: sha256, renderer: options.renderer, size, name, storageKey: key, info, createdAt: this.clock.now() }),
        owner,
      );
      return { scene: toView(scene, known), created };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

/** Copies a stream to a file, hashing it on the way and stopping at `limit` bytes. Returns the hex SHA-256. */
async function spoolWithHash(body: Readable, path: string, limit: number): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > limit) return callback(new PayloadTooLargeError(`scene is larger than the limit of ${limit} bytes`));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(body, meter, createWriteStream(path));
  return hash.digest('hex');
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

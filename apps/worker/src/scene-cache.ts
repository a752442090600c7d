import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageHttpError } from './transient';

/** The downloaded scene is not the one the lease names: wrong size or hash. */
export class SceneIntegrityError extends Error {
  override name = 'SceneIntegrityError';
}

/**
 * Scenes on local disk, keyed by SHA-256, fetched through the lease's presigned URL. A file enters the cache
 * only after its hash checked out (downloaded to a temporary name, then renamed), so a crash mid-download
 * never leaves a corrupt scene behind. Concurrent tiles of one scene share one download.
 */
export class SceneCache {
  private readonly downloads = new Map<string, Promise<string>>();
  /** Cached files whose hash this process has checked; a file found on disk is checked once before use. */
  private readonly verified = new Set<string>();

  constructor(private readonly dir: string) {}

  async get(scene: { sha256: string; size: number; url: string }): Promise<string> {
    const path = join(this.dir, scene.sha256);
    if (this.verified.has(scene.sha256) || (await this.intact(path, scene.sha256))) return path;
    let download = this.downloads.get(scene.sha256);
    if (!download) {
      download = this.download(scene, path).finally(() => this.downloads.delete(scene.sha256));
      this.downloads.set(scene.sha256, download);
    }
    return download;
  }

  /** True when the file is there and hashes right; a corrupt file is removed so it is fetched again. */
  private async intact(path: string, sha256: string): Promise<boolean> {
    const present = await stat(path).then(() => true, () => false);
    if (!present) return false;
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    if (hash.digest('hex') === sha256) {
      this.verified.add(sha256);
      return true;
    }
    await rm(path, { force: true });
    return false;
  }

  private async download(scene: { sha256: string; size: number; url: string }, path: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const partial = `${path}.${randomUUID()}.part`;
    try {
      const response = await fetch(scene.url);
      if (!response.ok || !response.body) throw new StorageHttpError(response.status, `scene download failed: HTTP ${response.status}`);
      const hash = createHash('sha256');
      let bytes = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > scene.size) return callback(new SceneIntegrityError(`scene ${scene.sha256} is larger than the ${scene.size} bytes announced`));
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(response.body as never), meter, createWriteStream(partial));
      const digest = hash.digest('hex');
      if (digest !== scene.sha256) throw new SceneIntegrityError(`scene download hashes to ${digest}, expected ${scene.sha256}`);
      await rename(partial, path);
      this.verified.add(scene.sha256);
      return path;
    } finally {
      await rm(partial, { force: true });
    }
  }
}

import { join } from 'node:path';
import { EmbeddedS3Server, type S3Config } from '@tessera/storage';
import { tempDir } from './temp-dir';

export interface S3Harness {
  /** Reaches the server's bucket; give it to `new ObjectStorage(config)`. */
  config: S3Config;
  /** Where the objects are on disk, for tests that inspect or corrupt them. */
  directory: string;
  /** Stops the server and deletes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartS3Options {
  /** Default `tessera`. */
  bucket?: string;
}

/**
 * The embedded S3 server (s3rver, in this process) on a free loopback port, storing in a temp dir,
 * with its bucket created. Start it in beforeAll and stop it in afterAll:
 *
 * ```ts
 * let s3: S3Harness;
 * beforeAll(async () => { s3 = await startS3(); });
 * afterAll(async () => { await s3?.stop(); });
 * ```
 */
export async function startS3(options: StartS3Options = {}): Promise<S3Harness> {
  const dir = await tempDir('s3');
  const directory = join(dir.path, 'objects');
  const server = new EmbeddedS3Server({ directory, bucket: options.bucket });
  let config: S3Config;
  try {
    config = await server.start();
  } catch (error) {
    await dir.remove();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    config,
    directory,
    stop() {
      stopped ??= server.stop().finally(() => dir.remove());
      return stopped;
    },
  };
}

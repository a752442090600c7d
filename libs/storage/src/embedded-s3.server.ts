import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ObjectStorage } from './object-storage.repository';
import type { S3Config } from './s3.config';

/*
 * SECURITY NOTE -- read before exposing this server to anything but trusted local processes.
 * s3rver 3.7 does NOT verify SigV4 signatures (its source: "Signature version 4 calculation is
 * unimplemeneted"); it only checks that the access key id exists and that a presigned URL has not
 * expired. Measured: a presigned PUT with a tampered signature, or edited to another key, succeeds.
 * Workers are untrusted and hold presigned URLs, so before workers outside this machine may reach it,
 * a layer must verify every signature (recompute with the SDK's SigV4 signer, constant-time compare)
 * before s3rver sees the request. That layer is a separate task; production S3 / MinIO verify already.
 * The random per-start secret below is what that layer will verify against.
 */

// s3rver ships no type declarations; these are the parts we use.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
interface S3rverAccountModule {
  registry: Map<string, unknown>;
  DUMMY_ACCOUNT: {
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
    revokeAccessKey(accessKeyId: string): void;
  };
}

export interface EmbeddedS3ServerOptions {
  /** Where objects live on disk, e.g. `.tessera/s3`; created if missing, kept across restarts. */
  directory: string;
  /** Default `tessera`. */
  bucket?: string;
  /** Default 127.0.0.1: the server must not be reachable from other machines (see note above). */
  host?: string;
  /** Default 0: the kernel picks a free port, read back once listening. */
  port?: number;
  /** Default `us-east-1`. */
  region?: string;
  /** Defaults: fresh random credentials on every start. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** How long stop() lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 2000;

/**
 * The S3-compatible server of `tessera up`: s3rver (in this process) on loopback, storing under a
 * directory. start() resolves to the S3Config that reaches it; the app then talks plain S3, exactly
 * as it would to MinIO or AWS.
 */
export class EmbeddedS3Server {
  private server: S3rverInstance | undefined;
  private current: S3Config | undefined;
  private registeredKey: string | undefined;

  constructor(private readonly options: EmbeddedS3ServerOptions) {}

  /** The config of the running server; throws before start(). */
  get config(): S3Config {
    if (this.current === undefined) throw new Error('EmbeddedS3Server is not running: call start() first');
    return this.current;
  }

  async start(): Promise<S3Config> {
    if (this.server !== undefined) throw new Error('EmbeddedS3Server is already running');
    const host = this.options.host ?? '127.0.0.1';
    const accessKeyId = this.options.accessKeyId ?? `tessera-${randomBytes(8).toString('hex')}`;
    const secretAccessKey = this.options.secretAccessKey ?? randomBytes(32).toString('base64url');
    await mkdir(this.options.directory, { recursive: true });

    // s3rver looks access keys up in a process-wide registry that only knows its dummy key; ours
    // are added to the dummy account so that the config can carry real-looking, unguessable ones.
    const accounts = require('s3rver/lib/models/account') as S3rverAccountModule;
    // A key that is already known (s3rver's own S3RVER, or one a second server registered) is left
    // alone, so that stopping this server cannot revoke it under the other one.
    if (!accounts.registry.has(accessKeyId)) {
      accounts.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
      this.registeredKey = accessKeyId;
    }

    const S3rver = require('s3rver') as S3rverClass;
    const server = new S3rver({
      address: host,
      port: this.options.port ?? 0,
      directory: this.options.directory,
      silent: true,
      // Path-style only: vhost guessing would read "localhost"-like names as bucket names.
      vhostBuckets: false,
    });
    try {
      const address = await server.run();
      this.server = server;
      this.current = {
        endpoint: `http://${formatHost(host)}:${address.port}`,
        region: this.options.region ?? 'us-east-1',
        bucket: this.options.bucket ?? 'tessera',
        accessKeyId,
        secretAccessKey,
        forcePathStyle: true,
      };
      const storage = new ObjectStorage(this.current);
      try {
        await storage.ensureBucket();
      } finally {
        storage.destroy();
      }
      return this.current;
    } catch (error) {
      await this.stop();
      throw new Error(`embedded S3 server failed to start on ${host}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Stops listening and closes connections; objects stay on disk. Safe to call more than once. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.current = undefined;
    if (this.registeredKey !== undefined) {
      const accounts = require('s3rver/lib/models/account') as S3rverAccountModule;
      accounts.DUMMY_ACCOUNT.revokeAccessKey(this.registeredKey);
      this.registeredKey = undefined;
    }
    const http = server?.httpServer;
    if (server === undefined || http === undefined) return;
    const closing = server.close();
    // Keep-alive sockets of S3 clients would hold close() open indefinitely.
    http.closeIdleConnections();
    const cutOff = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
    try {
      await closing;
    } finally {
      clearTimeout(cutOff);
    }
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { RequestListener, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStorage } from './object-storage.repository';
import type { S3Config } from './s3.config';
import { SigV4Verifier } from './sigv4/sigv4.verifier';
import { VerifyingEndpoint } from './sigv4/verifying-endpoint.server';

/*
 * SECURITY: s3rver 3.7 does NOT verify SigV4 signatures (its source: "Signature version 4 calculation
 * is unimplemeneted"); it only checks that the access key id exists and that a presigned URL has not
 * expired. Measured: a presigned PUT with a tampered signature, or edited to another key, succeeded.
 * Workers are untrusted and hold presigned URLs, so s3rver is never exposed: the public port is a
 * VerifyingEndpoint that checks every request's signature against this server's one key pair (SDK
 * signer, constant-time compare) before handing it to s3rver's handler in this process. s3rver's own
 * listener is a Unix socket in a private directory (mode 0700), used only to replay bodies that were
 * checked against their signed SHA-256. See sigv4/verifying-endpoint.server.ts.
 */

// s3rver ships no type declarations; these are the parts we use.
interface S3rverInstance {
  run(): Promise<unknown>;
  close(): Promise<void>;
  /** Koa's handler for http.createServer: the whole s3rver app, without a server of its own. */
  callback(): RequestListener;
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
  /**
   * Where the verifying endpoint listens. Default 127.0.0.1; another address makes it reachable from
   * other machines, which signature verification makes safe for presigned URLs, though not encrypted
   * (plain HTTP: put TLS in front for untrusted networks).
   */
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
 * The S3-compatible server of `tessera up`: s3rver (in this process) behind a signature-verifying
 * endpoint on loopback, storing under a directory. start() resolves to the S3Config that reaches it; the
 * app then talks plain S3, exactly as it would to MinIO or AWS, and presigned URLs are checked as
 * strictly as they are there.
 */
export class EmbeddedS3Server {
  private server: S3rverInstance | undefined;
  private endpoint: VerifyingEndpoint | undefined;
  private privateDirectory: string | undefined;
  private current: S3Config | undefined;
  private registeredKey: string | undefined;

  constructor(private readonly options: EmbeddedS3ServerOptions) {}

  /** The config of the running server; throws before start(). */
  get config(): S3Config {
    if (this.current === undefined) throw new Error('EmbeddedS3Server is not running: call start() first');
    return this.current;
  }

  async start(): Promise<S3Config> {
    if (this.server !== undefined || this.endpoint !== undefined) throw new Error('EmbeddedS3Server is already running');
    const host = this.options.host ?? '127.0.0.1';
    const region = this.options.region ?? 'us-east-1';
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

    try {
      // mkdtemp creates the directory with mode 0700: s3rver's socket and the payload spool in it
      // are out of reach of other users.
      const privateDirectory = await mkdtemp(join(tmpdir(), 'tessera-s3-'));
      this.privateDirectory = privateDirectory;
      const spoolDirectory = join(privateDirectory, 'spool');
      await mkdir(spoolDirectory);
      const socketPath = join(privateDirectory, 's3rver.sock');

      const S3rver = require('s3rver') as S3rverClass;
      const server = new S3rver({
        // s3rver hands `port` to server.listen(): a path there makes it a Unix socket.
        port: socketPath,
        directory: this.options.directory,
        silent: true,
        // Path-style only: vhost guessing would read "localhost"-like names as bucket names.
        vhostBuckets: false,
      });
      await server.run();
      this.server = server;

      this.endpoint = new VerifyingEndpoint({
        verifier: new SigV4Verifier({ accessKeyId, secretAccessKey, region }),
        handler: server.callback(),
        replaySocketPath: socketPath,
        spoolDirectory,
      });
      const port = await this.endpoint.listen(host, this.options.port ?? 0);
      this.current = {
        endpoint: `http://${formatHost(host)}:${port}`,
        region,
        bucket: this.options.bucket ?? 'tessera',
        accessKeyId,
        secretAccessKey,
        forcePathStyle: true,
      };
      // Through the endpoint: a start that succeeds has also proved that signed requests get through.
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
    const { server, endpoint, privateDirectory } = this;
    this.server = undefined;
    this.endpoint = undefined;
    this.privateDirectory = undefined;
    this.current = undefined;
    if (this.registeredKey !== undefined) {
      const accounts = require('s3rver/lib/models/account') as S3rverAccountModule;
      accounts.DUMMY_ACCOUNT.revokeAccessKey(this.registeredKey);
      this.registeredKey = undefined;
    }
    try {
      await endpoint?.close(CLOSE_GRACE_MS);
      await closeS3rver(server);
    } finally {
      if (privateDirectory !== undefined) await rm(privateDirectory, { recursive: true, force: true });
    }
  }
}

async function closeS3rver(server: S3rverInstance | undefined): Promise<void> {
  const http = server?.httpServer;
  if (server === undefined || http === undefined) return;
  const closing = server.close();
  // The endpoint's pooled replay sockets are gone with it; a request still running inside s3rver (an
  // upload whose client vanished: s3rver never notices) would hold close() open forever.
  http.closeIdleConnections();
  const cutOff = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
  try {
    await closing;
  } finally {
    clearTimeout(cutOff);
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

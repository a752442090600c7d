import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { EMPTY_SHA256, spoolVerifiedPayload, type SpooledPayload } from './payload.spool';
import { hasBody, refuseUnreadRequest, refusalReply, sendS3Error, type S3ErrorReply } from './s3-error.response';
import { UNSIGNED_PAYLOAD } from './signed-request.parser';
import { PayloadHashMismatchError, SigV4RefusalError } from './sigv4.errors';
import type { SigV4Verifier } from './sigv4.verifier';

export interface VerifyingEndpointOptions {
  verifier: SigV4Verifier;
  /** The storage server's request handler (s3rver's Koa app), called in-process for verified requests. */
  handler: RequestListener;
  /**
   * Where the same storage server also listens, reachable only by this process's user: bodies checked
   * against their signed SHA-256 are replayed to it from their spool file.
   */
  replaySocketPath: string;
  /** Private directory for bodies that wait for their payload-hash check. */
  spoolDirectory: string;
}

const INTERNAL_ERROR: S3ErrorReply = {
  code: 'InternalError',
  status: 500,
  message: 'We encountered an internal error. Please try again.',
};

// Hop-by-hop headers belong to one connection and are not replayed (RFC 9110, 7.6.1); `expect` was
// answered here, and the spooled body has a known length.
const HOP_BY_HOP = new Set([
  'connection',
  'expect',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The public side of the embedded S3 endpoint: an HTTP server that verifies each request's SigV4
 * signature before any of it reaches the storage server (s3rver); a refused request is answered here,
 * its body discarded, so nothing of it can be stored.
 *
 * Why not a proxy to s3rver on an internal port: a verified request is handed to s3rver's Koa
 * handler in this same process, on the same socket, so bodies and replies stream straight through
 * with nothing buffered and no second copy of every byte. Measured on a loaded 2-core machine, a
 * 200 MB streamed PUT took 1.1 s direct and 1.7-2.6 s through a first, proxying version of this
 * class; in-process it is within noise of s3rver alone. The one exception is a body whose signed
 * SHA-256 must be checked before it may be stored: it is spooled to disk, checked, and replayed from
 * the file over a private Unix socket on which s3rver also listens (see payload.spool.ts for why),
 * since s3rver reads bodies only from an HTTP request.
 */
export class VerifyingEndpoint {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });

  constructor(private readonly options: VerifyingEndpointOptions) {
    this.server = createServer();
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.serve(req, res, false));
    // With this listener Node no longer answers `Expect: 100-continue` by itself: a client that asks
    // first is told to send its body only once its signature is known to be good.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.serve(req, res, true));
  }

  /** Resolves to the port listened on (the one given, or the kernel's pick for 0). */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting; in-flight requests get `graceMs` to finish before their connections are cut. */
  async close(graceMs: number): Promise<void> {
    if (this.server.listening) {
      const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
      // Keep-alive sockets of S3 clients would hold close() open indefinitely.
      this.server.closeIdleConnections();
      const cutOff = setTimeout(() => this.server.closeAllConnections(), graceMs);
      try {
        await closing;
      } finally {
        clearTimeout(cutOff);
      }
    }
    this.agent.destroy();
  }

  private serve(req: IncomingMessage, res: ServerResponse, awaitsContinue: boolean): void {
    this.handle(req, res, awaitsContinue).catch(() => sendS3Error(req, res, INTERNAL_ERROR));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, awaitsContinue: boolean): Promise<void> {
    let payloadHash: string;
    try {
      const verified = await this.options.verifier.verify({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
      });
      payloadHash = verified.payloadHash;
    } catch (error) {
      refuseUnreadRequest(req, res, error instanceof SigV4RefusalError ? refusalReply(error) : INTERNAL_ERROR, awaitsContinue);
      return;
    }
    if (awaitsContinue) res.writeContinue();

    if (!hasBody(req)) {
      if (payloadHash === UNSIGNED_PAYLOAD || payloadHash === EMPTY_SHA256) return this.options.handler(req, res);
      sendS3Error(req, res, refusalReply(new PayloadHashMismatchError(payloadHash, EMPTY_SHA256)));
      return;
    }
    // Every body is spooled before s3rver sees it, unsigned ones too: s3rver truncates the object's file as
    // soon as a PUT starts, so a client that went away mid-body would leave an empty object behind, where
    // S3 stores nothing for an incomplete upload.
    let spooled: SpooledPayload;
    try {
      spooled = await spoolVerifiedPayload(req, payloadHash === UNSIGNED_PAYLOAD ? null : payloadHash, this.options.spoolDirectory);
    } catch (error) {
      // The body has been read: the reply is the last thing on this connection. When the client went
      // away mid-body, there is nobody to read it and writing it is harmless.
      res.setHeader('connection', 'close');
      sendS3Error(req, res, error instanceof PayloadHashMismatchError ? refusalReply(error) : INTERNAL_ERROR);
      return;
    }
    try {
      await this.replay(req, res, spooled);
    } finally {
      await spooled.release();
    }
  }

  /** Sends a spooled, verified body to s3rver and its reply back; resolves when the exchange is over. */
  private replay(req: IncomingMessage, res: ServerResponse, spooled: SpooledPayload): Promise<void> {
    return new Promise<void>((resolve) => {
      const upstream = httpRequest({
        socketPath: this.options.replaySocketPath,
        agent: this.agent,
        method: req.method,
        // The target as received: s3rver decodes path and query exactly as the verifier did.
        path: req.url,
        headers: { ...withoutHopByHop(req.headers), 'content-length': spooled.size },
      });
      upstream.on('response', (response: IncomingMessage) => {
        res.writeHead(response.statusCode ?? 500, response.statusMessage, withoutHopByHop(response.headers));
        pipeline(response, res).then(resolve, () => {
          upstream.destroy();
          resolve();
        });
      });
      upstream.on('error', () => {
        sendS3Error(req, res, INTERNAL_ERROR);
        resolve();
      });
      // A client that disconnects stops the replay too (s3rver itself would never learn of it).
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      pipeline(spooled.open(), upstream).catch(() => upstream.destroy());
    });
  }
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !listed.has(name)) kept[name] = value;
  }
  return kept;
}

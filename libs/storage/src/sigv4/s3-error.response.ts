import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SigV4RefusalError } from './sigv4.errors';

/**
 * Bytes of a refused request's body that are read and thrown away so that the client sees the error
 * reply and the connection stays usable (keep-alive). Past this the connection is cut: a refused
 * client must not be able to make the server read gigabytes.
 */
export const REFUSED_BODY_DISCARD_LIMIT = 16 * 1024 * 1024;

export interface S3ErrorReply {
  code: string;
  status: number;
  message: string;
  details?: Readonly<Record<string, string>>;
}

/** The XML error document S3 sends: `<Error><Code/><Message/>...<Resource/><RequestId/></Error>`. */
export function s3ErrorXml(error: S3ErrorReply, resource: string, requestId: string): string {
  const elements: [string, string][] = [
    ['Code', error.code],
    ['Message', error.message],
    ...Object.entries(error.details ?? {}),
    ['Resource', resource],
    ['RequestId', requestId],
  ];
  const body = elements.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${body}</Error>`;
}

/** A refusal as a reply built from a SigV4RefusalError. */
export function refusalReply(error: SigV4RefusalError): S3ErrorReply {
  return { code: error.code, status: error.status, message: error.message, details: error.details };
}

/**
 * Sends an S3 error reply to a request whose body has not been read (none of it reached storage).
 * - The client waits for `100 Continue` (`Expect`): it has sent no body and never will; the reply
 *   closes the connection, since the unsent body would otherwise be read as the next request.
 * - The body is on its way: it is discarded up to REFUSED_BODY_DISCARD_LIMIT, so that the client
 *   reads the reply instead of a reset and may reuse the connection; past the limit, cut.
 */
export function refuseUnreadRequest(
  req: IncomingMessage,
  res: ServerResponse,
  reply: S3ErrorReply,
  awaitsContinue: boolean,
): void {
  if (hasBody(req) && !req.complete) {
    if (awaitsContinue) {
      res.setHeader('connection', 'close');
    } else {
      discardBody(req, REFUSED_BODY_DISCARD_LIMIT);
    }
  }
  sendS3Error(req, res, reply);
}

/** Sends an S3 error reply; for a reply that can no longer be sent, cuts the connection. */
export function sendS3Error(req: IncomingMessage, res: ServerResponse, reply: S3ErrorReply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const resource = (req.url ?? '/').split('?')[0] ?? '/';
  const body = Buffer.from(s3ErrorXml(reply, resource, requestId), 'utf8');
  res.writeHead(reply.status, {
    'content-type': 'application/xml',
    'content-length': body.length,
    'x-amz-request-id': requestId,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** True when the request announces a body (a length above zero, or chunked transfer). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

function discardBody(req: IncomingMessage, limit: number): void {
  let discarded = 0;
  // Listening before the reply ends keeps Node from dumping the body itself, so the limit holds.
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

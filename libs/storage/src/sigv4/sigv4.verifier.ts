import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CanonicalRequestSigner } from './canonical-request.signer';
import {
  type IncomingSignedRequest,
  type ParsedSignedRequest,
  UNSIGNED_PAYLOAD,
  parseSignedRequest,
} from './signed-request.parser';
import {
  InvalidAccessKeyIdError,
  MalformedAuthorizationError,
  RequestExpiredError,
  RequestNotYetValidError,
  RequestTimeTooSkewedError,
  SignatureMismatchError,
  UnsignedHeadersError,
  UnsupportedPayloadError,
} from './sigv4.errors';

export interface SigV4VerifierOptions {
  /** The one key pair this endpoint accepts. */
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Default `s3`. */
  service?: string;
  /** Milliseconds since the epoch; injected so that tests can move time. Default Date.now. */
  now?: () => number;
  /**
   * How far a request's signing time may be from the server's clock: header-signed requests on either
   * side (S3's replay window), presigned URLs into the future. Default 15 minutes, as S3 and MinIO.
   */
  maxClockSkewMs?: number;
}

export interface VerifiedRequest {
  mode: 'header' | 'presigned';
  accessKeyId: string;
  /** UNSIGNED-PAYLOAD, or the lower-case hex SHA-256 that the body must still be checked against. */
  payloadHash: string;
  signedAt: Date;
  /** Presigned only: the first instant at which the URL is refused. */
  expiresAt: Date | undefined;
}

const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Verifies SigV4 requests (Authorization header or presigned query string) against one key pair, as
 * S3 does, before any of the request reaches storage: the access key, the credential scope
 * (date, region, service), the signing time and expiry, that every x-amz-* header is signed, and the
 * signature itself, recomputed with the SDK's signer and compared in constant time. Whatever was
 * signed (method, bucket and key, query, signed headers, payload hash) cannot be edited without the
 * signature failing. The body is not read here: a hex payload hash is returned for the caller to
 * check against the body before storing it.
 */
export class SigV4Verifier {
  private readonly signer: CanonicalRequestSigner;
  private readonly service: string;
  private readonly now: () => number;
  private readonly maxClockSkewMs: number;

  constructor(private readonly options: SigV4VerifierOptions) {
    this.service = options.service ?? 's3';
    this.now = options.now ?? Date.now;
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.signer = new CanonicalRequestSigner(
      { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      options.region,
      this.service,
    );
  }

  /** Resolves when the request is authentic and current; otherwise rejects with a SigV4RefusalError. */
  async verify(request: IncomingSignedRequest): Promise<VerifiedRequest> {
    const parsed = parseSignedRequest(request);
    this.checkScope(parsed);
    const headerValues = signedHeaderValues(parsed, request.headers);
    const payloadHash = checkPayloadHash(parsed.payloadHash);

    const expected = await this.signer.recompute(parsed, headerValues);
    if (expected.signedHeaders !== parsed.signedHeaders.join(';') || !sameSignature(expected.signature, parsed.signature)) {
      throw new SignatureMismatchError({
        AWSAccessKeyId: parsed.credential.accessKeyId,
        StringToSign: expected.stringToSign,
        SignatureProvided: parsed.signature,
        CanonicalRequest: expected.canonicalRequest,
      });
    }
    // Time is checked after the signature, so that "expired" is only ever said of a genuine URL.
    const expiresAt = this.checkTime(parsed);
    return { mode: parsed.mode, accessKeyId: parsed.credential.accessKeyId, payloadHash, signedAt: parsed.signedAt, expiresAt };
  }

  private checkScope(parsed: ParsedSignedRequest): void {
    const { credential } = parsed;
    // Access key ids are public (every presigned URL shows ours): a plain comparison leaks nothing.
    if (credential.accessKeyId !== this.options.accessKeyId) throw new InvalidAccessKeyIdError(credential.accessKeyId);
    const code = parsed.mode === 'header' ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError';
    const expect = (what: string, actual: string, wanted: string): void => {
      if (actual !== wanted) {
        throw new MalformedAuthorizationError(code, `Error parsing the Credential: the ${what} '${actual}' is wrong; expecting '${wanted}'`);
      }
    };
    expect('date', credential.date, parsed.amzDate.slice(0, 8));
    expect('region', credential.region, this.options.region);
    expect('service', credential.service, this.service);
    expect('terminator', credential.terminator, 'aws4_request');
  }

  private checkTime(parsed: ParsedSignedRequest): Date | undefined {
    const now = this.now();
    const signedAt = parsed.signedAt.getTime();
    if (parsed.mode === 'header') {
      if (Math.abs(now - signedAt) > this.maxClockSkewMs) throw new RequestTimeTooSkewedError(parsed.signedAt, new Date(now));
      return undefined;
    }
    if (signedAt - now > this.maxClockSkewMs) throw new RequestNotYetValidError(parsed.signedAt, new Date(now));
    // No allowance at this end: the URL's lifetime was chosen by its signer; S3 and MinIO are strict too.
    const expiresAt = new Date(signedAt + (parsed.expiresInSeconds ?? 0) * 1000);
    if (now >= expiresAt.getTime()) throw new RequestExpiredError(expiresAt, new Date(now));
    return expiresAt;
  }
}

/**
 * The values of the headers the client signed. Required: host (S3 requires it); for header-signed
 * requests also x-amz-date and x-amz-content-sha256 (the time and payload must be covered). Every
 * x-amz-* header present must be signed. A signed header that is absent is left out, so that the
 * signed-header list no longer matches and the request fails as a signature mismatch.
 */
function signedHeaderValues(parsed: ParsedSignedRequest, headers: IncomingHttpHeaders): Record<string, string> {
  const signed = new Set(parsed.signedHeaders);
  const required = parsed.mode === 'header' ? ['host', 'x-amz-content-sha256', 'x-amz-date'] : ['host'];
  const missing = required.filter((name) => !signed.has(name));
  if (missing.length > 0) {
    const code = parsed.mode === 'header' ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError';
    throw new MalformedAuthorizationError(code, `SignedHeaders must include ${missing.join(', ')}`);
  }
  const unsigned = Object.keys(headers).filter((name) => name.startsWith('x-amz-') && !signed.has(name));
  if (unsigned.length > 0) throw new UnsignedHeadersError(unsigned);

  const values: Record<string, string> = {};
  for (const name of signed) {
    const value = headers[name];
    if (value !== undefined) values[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return values;
}

function checkPayloadHash(payloadHash: string): string {
  if (payloadHash === UNSIGNED_PAYLOAD) return payloadHash;
  if (HEX_SHA256.test(payloadHash.toLowerCase())) return payloadHash.toLowerCase();
  if (payloadHash.startsWith('STREAMING-')) throw new UnsupportedPayloadError(payloadHash);
  throw new MalformedAuthorizationError(
    'InvalidRequest',
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256 in hex',
  );
}

/** Constant-time: a timing side channel must not reveal how many leading characters were right. */
function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  // Lengths are not secret (every SigV4 signature is 64 hex characters); timingSafeEqual needs them equal.
  return a.length === b.length && timingSafeEqual(a, b);
}

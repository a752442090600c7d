/**
 * Why the embedded S3 endpoint refused a request, one class per reason. Each carries the S3 error code
 * and HTTP status that AWS S3 / MinIO answer in the same case, so that SDKs and plain HTTP clients
 * see the errors they already know (`SignatureDoesNotMatch`, `AccessDenied`, ...). They are mapped to
 * an XML reply in one place (`s3-error.response.ts`).
 */
export abstract class SigV4RefusalError extends Error {
  /** The S3 error code of the XML reply (`<Code>`). */
  abstract readonly code: string;
  /** The HTTP status of the reply. */
  abstract readonly status: number;

  constructor(
    message: string,
    /** Extra elements of the XML reply, as S3 sends them (e.g. `StringToSign`); never secrets. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** No credentials at all: the bucket is private, as every bucket of ours is. */
export class MissingAuthenticationError extends SigV4RefusalError {
  override readonly name = 'MissingAuthenticationError';
  readonly code = 'AccessDenied';
  readonly status = 403;
  constructor() {
    super('Access Denied');
  }
}

/** Signature version 2, another algorithm, or two mechanisms at once (header and query string). */
export class UnsupportedAuthenticationError extends SigV4RefusalError {
  override readonly name = 'UnsupportedAuthenticationError';
  readonly code: 'InvalidRequest' | 'InvalidArgument';
  readonly status = 400;
  constructor(message: string, code: 'InvalidRequest' | 'InvalidArgument' = 'InvalidRequest') {
    super(message);
    this.code = code;
  }
}

/** The Authorization header or the X-Amz-* query parameters cannot be parsed or name the wrong scope. */
export class MalformedAuthorizationError extends SigV4RefusalError {
  override readonly name = 'MalformedAuthorizationError';
  readonly code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError' | 'InvalidRequest';
  readonly status = 400;
  constructor(code: MalformedAuthorizationError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** The access key is not this server's (s3rver alone would accept any key registered in the process). */
export class InvalidAccessKeyIdError extends SigV4RefusalError {
  override readonly name = 'InvalidAccessKeyIdError';
  readonly code = 'InvalidAccessKeyId';
  readonly status = 403;
  constructor(accessKeyId: string) {
    super('The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
}

/** The recomputed signature differs: another secret, or any signed part of the request was edited. */
export class SignatureMismatchError extends SigV4RefusalError {
  override readonly name = 'SignatureMismatchError';
  readonly code = 'SignatureDoesNotMatch';
  readonly status = 403;
  constructor(details: Record<string, string> = {}) {
    super(
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      details,
    );
  }
}

/** A presigned URL used after X-Amz-Date + X-Amz-Expires. */
export class RequestExpiredError extends SigV4RefusalError {
  override readonly name = 'RequestExpiredError';
  readonly code = 'AccessDenied';
  readonly status = 403;
  constructor(expiredAt: Date, now: Date) {
    super('Request has expired', { Expires: isoSeconds(expiredAt), ServerTime: isoSeconds(now) });
  }
}

/** A presigned URL dated further in the future than the clock-skew allowance. */
export class RequestNotYetValidError extends SigV4RefusalError {
  override readonly name = 'RequestNotYetValidError';
  readonly code = 'AccessDenied';
  readonly status = 403;
  constructor(signedAt: Date, now: Date) {
    super('Request is not valid yet', { RequestTime: isoSeconds(signedAt), ServerTime: isoSeconds(now) });
  }
}

/** A header-signed request whose X-Amz-Date is too far from the server's clock (replay window). */
export class RequestTimeTooSkewedError extends SigV4RefusalError {
  override readonly name = 'RequestTimeTooSkewedError';
  readonly code = 'RequestTimeTooSkewed';
  readonly status = 403;
  constructor(signedAt: Date, now: Date) {
    super('The difference between the request time and the current time is too large.', {
      RequestTime: isoSeconds(signedAt),
      ServerTime: isoSeconds(now),
    });
  }
}

/**
 * x-amz-* headers that the signature does not cover. s3rver acts on several of them (x-amz-copy-source
 * turns a PUT into a copy of another object, x-amz-meta-* and x-amz-acl are stored), so, as S3 does,
 * every one of them must be signed.
 */
export class UnsignedHeadersError extends SigV4RefusalError {
  override readonly name = 'UnsignedHeadersError';
  readonly code = 'AccessDenied';
  readonly status = 403;
  constructor(headers: string[]) {
    super('There were headers present in the request which were not signed', { HeadersNotSigned: headers.join(', ') });
  }
}

/** The body's SHA-256 is not the x-amz-content-sha256 the signature covers. Detected before anything is stored. */
export class PayloadHashMismatchError extends SigV4RefusalError {
  override readonly name = 'PayloadHashMismatchError';
  readonly code = 'XAmzContentSHA256Mismatch';
  readonly status = 400;
  constructor(claimed: string, computed: string) {
    super("The provided 'x-amz-content-sha256' header does not match what was computed.", {
      ClientComputedContentSHA256: claimed,
      S3ComputedContentSHA256: computed,
    });
  }
}

/**
 * aws-chunked uploads (STREAMING-* payload hashes): s3rver does not decode the framing and would store
 * it inside the object, so they are refused instead of silently corrupted.
 */
export class UnsupportedPayloadError extends SigV4RefusalError {
  override readonly name = 'UnsupportedPayloadError';
  readonly code = 'NotImplemented';
  readonly status = 501;
  constructor(payloadHash: string) {
    super(`x-amz-content-sha256 '${payloadHash}' is not supported here; send UNSIGNED-PAYLOAD or the body's SHA-256`);
  }
}

/**
 * A path or query string that does not decode, or an object key with `.` / `..` segments: s3rver maps
 * keys to files, so such a key could step out of its bucket's directory.
 */
export class InvalidUriError extends SigV4RefusalError {
  override readonly name = 'InvalidUriError';
  readonly code = 'InvalidURI';
  readonly status = 400;
  constructor(message: string) {
    super(message);
  }
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

import type { IncomingHttpHeaders } from 'node:http';
import { escapeUri } from '@smithy/core/protocols';
import {
  InvalidUriError,
  MalformedAuthorizationError,
  MissingAuthenticationError,
  UnsupportedAuthenticationError,
} from './sigv4.errors';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** S3's limit on a presigned URL's validity (seconds): seven days. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 3600;

/** What the verifier needs of an HTTP request: the parts that a signature can cover, never the body. */
export interface IncomingSignedRequest {
  method: string;
  /** The request target as received: raw path and query string, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
}

export type QueryBag = Record<string, string | string[]>;

export interface CredentialScope {
  accessKeyId: string;
  /** yyyyMMdd */
  date: string;
  region: string;
  service: string;
  terminator: string;
}

export interface ParsedSignedRequest {
  /** `header`: Authorization header (SDK calls); `presigned`: X-Amz-* query parameters (URLs). */
  mode: 'header' | 'presigned';
  method: string;
  /** The path as S3 canonicalises it: each segment decoded, then encoded again (RFC 3986). */
  canonicalPath: string;
  /** Every query parameter, decoded as the backend decodes them (X-Amz-Signature included: the signer skips it). */
  query: QueryBag;
  credential: CredentialScope;
  /** As listed in the request, lower case, `;`-separated there. */
  signedHeaders: string[];
  signature: string;
  /** yyyyMMdd'T'HHmmss'Z', as signed. */
  amzDate: string;
  signedAt: Date;
  /** Presigned only. */
  expiresInSeconds: number | undefined;
  /** x-amz-content-sha256 as declared: UNSIGNED-PAYLOAD, a hex SHA-256, or something to refuse later. */
  payloadHash: string;
}

/**
 * Reads the SigV4 authentication of a request: which mechanism, the credential scope, signed headers,
 * date, expiry and payload hash. Structural problems are refused here; whether the values are right
 * (key, scope, time, signature) is the verifier's business.
 */
export function parseSignedRequest(request: IncomingSignedRequest): ParsedSignedRequest {
  const { path, query } = splitTarget(request.url);
  const authorization = singleHeader(request.headers, 'authorization');
  const hasV4Query = 'X-Amz-Algorithm' in query;
  const hasSignatureParam = Object.keys(query).some((name) => name.toLowerCase() === 'x-amz-signature');
  const hasV2Query = 'Signature' in query || 'AWSAccessKeyId' in query;

  if (authorization !== undefined && (hasV4Query || hasSignatureParam || hasV2Query)) {
    // s3rver refuses this too; an X-Amz-Signature next to a header signature would also be left out of
    // the canonical query (the signer skips that name), i.e. be an unsigned parameter.
    throw new UnsupportedAuthenticationError(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string ' +
        'parameter or the Authorization header should be specified',
      'InvalidArgument',
    );
  }
  const base = { method: request.method.toUpperCase(), canonicalPath: canonicalizePath(path), query };
  if (authorization !== undefined) return { ...base, ...parseAuthorizationHeader(authorization, request.headers) };
  if (hasV4Query) return { ...base, ...parsePresignedQuery(query) };
  if (hasV2Query) throw unsupportedVersion();
  throw new MissingAuthenticationError();
}

type AuthParts = Omit<ParsedSignedRequest, 'method' | 'canonicalPath' | 'query'>;

function parseAuthorizationHeader(authorization: string, headers: IncomingHttpHeaders): AuthParts {
  const malformed = (message: string) => new MalformedAuthorizationError('AuthorizationHeaderMalformed', message);
  const space = authorization.indexOf(' ');
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) throw unsupportedVersion();

  const components = new Map<string, string>();
  for (const component of authorization.slice(space + 1).split(',')) {
    const trimmed = component.trim();
    const equals = trimmed.indexOf('=');
    if (equals <= 0 || components.has(trimmed.slice(0, equals))) {
      throw malformed('The authorization header is malformed; it requires Credential, SignedHeaders and Signature.');
    }
    components.set(trimmed.slice(0, equals), trimmed.slice(equals + 1));
  }
  const credential = components.get('Credential');
  const signedHeaders = components.get('SignedHeaders');
  const signature = components.get('Signature');
  if (components.size !== 3 || credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw malformed('The authorization header is malformed; it requires Credential, SignedHeaders and Signature.');
  }

  const amzDate = singleHeader(headers, 'x-amz-date');
  if (amzDate === undefined) {
    throw malformed('AWS authentication requires a valid x-amz-date header');
  }
  const payloadHash = singleHeader(headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    throw new MalformedAuthorizationError('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  return {
    mode: 'header',
    credential: parseCredential(credential, malformed),
    signedHeaders: parseSignedHeaderList(signedHeaders, malformed),
    signature,
    amzDate,
    signedAt: parseAmzDate(amzDate, malformed),
    expiresInSeconds: undefined,
    payloadHash,
  };
}

function parsePresignedQuery(query: QueryBag): AuthParts {
  const malformed = (message: string) => new MalformedAuthorizationError('AuthorizationQueryParametersError', message);
  const param = (name: string): string => {
    const value = query[name];
    if (typeof value !== 'string') {
      throw malformed(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
          `X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters, each once (${name} is not)`,
      );
    }
    return value;
  };
  if (param('X-Amz-Algorithm') !== SIGV4_ALGORITHM) throw malformed('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const expires = param('X-Amz-Expires');
  const expiresInSeconds = /^\d{1,7}$/.test(expires) ? Number(expires) : Number.NaN;
  if (!(expiresInSeconds <= MAX_PRESIGNED_EXPIRES_SECONDS)) {
    throw malformed(`X-Amz-Expires must be a whole number of seconds up to ${MAX_PRESIGNED_EXPIRES_SECONDS}`);
  }
  const amzDate = param('X-Amz-Date');
  const payloadHash = query['X-Amz-Content-Sha256'] ?? UNSIGNED_PAYLOAD;
  if (typeof payloadHash !== 'string') throw malformed('X-Amz-Content-Sha256 must be given at most once');
  return {
    mode: 'presigned',
    credential: parseCredential(param('X-Amz-Credential'), malformed),
    signedHeaders: parseSignedHeaderList(param('X-Amz-SignedHeaders'), malformed),
    signature: param('X-Amz-Signature'),
    amzDate,
    signedAt: parseAmzDate(amzDate, malformed),
    expiresInSeconds,
    payloadHash,
  };
}

type Malformed = (message: string) => Error;

function parseCredential(value: string, malformed: Malformed): CredentialScope {
  const parts = value.split('/');
  if (parts.length !== 5 || parts.some((part) => part.length === 0)) {
    throw malformed(`Error parsing the Credential "${value}": expected <key>/<yyyyMMdd>/<region>/<service>/aws4_request`);
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

function parseSignedHeaderList(value: string, malformed: Malformed): string[] {
  const names = value.split(';');
  if (names.some((name) => name.length === 0 || name !== name.toLowerCase())) {
    throw malformed(`SignedHeaders "${value}" must be lower-case header names separated by ';'`);
  }
  return names;
}

function parseAmzDate(value: string, malformed: Malformed): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const date = match
    ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!))
    : undefined;
  // The round trip rejects dates such as 20240231 that Date.UTC would silently roll over.
  if (date === undefined || date.toISOString().replace(/[-:]|\.\d{3}/g, '') !== value) {
    throw malformed(`X-Amz-Date "${value}" must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'`);
  }
  return date;
}

/**
 * S3 signs the URI-encoded form of the decoded path (each segment encoded once). Re-encoding what the
 * backend will decode makes the verifier sign-check exactly the key s3rver then uses, whatever escapes
 * the client chose; the SDK's own encoding is already this canonical form.
 */
function canonicalizePath(rawPath: string): string {
  if (!rawPath.startsWith('/')) throw new InvalidUriError('The request target must be an absolute path');
  let decoded: string[];
  try {
    decoded = rawPath.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw new InvalidUriError('Couldn\'t parse the specified URI: malformed percent-encoding in the path');
  }
  // s3rver stores objects as files named after the key: a "." or ".." segment anywhere in the decoded
  // key (an encoded "/" included) could leave the bucket's directory.
  if (decoded.join('/').split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new InvalidUriError('Object keys with "." or ".." path segments are not accepted here');
  }
  return decoded.map((segment) => escapeUri(segment)).join('/');
}

function splitTarget(url: string): { path: string; query: QueryBag } {
  const questionMark = url.indexOf('?');
  const path = questionMark < 0 ? url : url.slice(0, questionMark);
  const query: QueryBag = Object.create(null) as QueryBag;
  if (questionMark < 0) return { path, query };
  for (const pair of url.slice(questionMark + 1).split('&')) {
    if (pair.length === 0) continue;
    const equals = pair.indexOf('=');
    const name = decodeQueryComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decodeQueryComponent(pair.slice(equals + 1));
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { path, query };
}

/** As Node's querystring (which s3rver's Koa uses) decodes: "+" is a space. */
function decodeQueryComponent(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    throw new InvalidUriError('Couldn\'t parse the specified URI: malformed percent-encoding in the query string');
  }
}

function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function unsupportedVersion(): UnsupportedAuthenticationError {
  return new UnsupportedAuthenticationError(
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  );
}

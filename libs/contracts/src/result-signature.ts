import { fromPublic, fromSeed } from '@nats-io/nkeys';
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { TileResult, UnsignedTileResult } from './worker.messages';

/**
 * Results are signed by the worker's NKey (Ed25519) over a canonical encoding, so the coordinator knows who
 * committed to which pixels for which lease, and nothing in a result can be changed, moved to another lease
 * or attempt, or claimed by another worker without the signature failing. docs/protocol.md ("Signed results")
 * specifies the encoding for implementers in other languages; the unit tests pin its bytes.
 */
export const RESULT_SIGNATURE_VERSION = 'tessera-result/1';

/** A value that has no canonical encoding (a string that is not well-formed UTF-16, a non-finite number). */
export class CanonicalEncodingError extends Error {
  override name = 'CanonicalEncodingError';
}

// Bytes left as they are: RFC 3986's unreserved characters. Every other byte of a string's UTF-8 is %XX.
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const encoder = new TextEncoder();

/** A string field: its UTF-8 bytes, unreserved ASCII kept, every other byte as `%` and two uppercase hex digits. */
export function escapeCanonical(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new CanonicalEncodingError('a string with a lone surrogate has no UTF-8 encoding');
  let out = '';
  for (const byte of encoder.encode(value)) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Render seconds as whole microseconds, floor(seconds x 1e6 + 0.5) in IEEE-754 double arithmetic: every
 * language computes the same integer from the same JSON number, where decimal renderings of a float differ.
 */
export function renderMicros(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) throw new CanonicalEncodingError(`render seconds ${seconds} is not a finite number >= 0`);
  return Math.floor(seconds * 1e6 + 0.5);
}

/**
 * The bytes a result's signature covers: the version line, then one `name=value` line per field, in this
 * fixed order, each ending in a line feed. Every field of the message except `signature` is covered.
 */
export function canonicalResult(result: UnsignedTileResult): Uint8Array {
  const integer = (n: number): string => {
    if (!Number.isSafeInteger(n)) throw new CanonicalEncodingError(`${n} is not an integer`);
    return String(n);
  };
  const common: Array<[string, string]> = [
    ['status', result.status],
    ['leaseId', escapeCanonical(result.leaseId)],
    ['tileId', escapeCanonical(result.tileId)],
    ['attempt', integer(result.attempt)],
    ['workerId', escapeCanonical(result.workerId)],
  ];
  const specific: Array<[string, string]> =
    result.status === 'rendered'
      ? [
          ['pixelSha256', escapeCanonical(result.pixelSha256)],
          ['width', integer(result.width)],
          ['height', integer(result.height)],
          ['renderMicros', integer(renderMicros(result.renderSeconds))],
          ['device', escapeCanonical(result.device)],
          ['rendererVersion', escapeCanonical(result.rendererVersion)],
        ]
      : [
          ['error', escapeCanonical(result.error)],
          ['renderMicros', integer(renderMicros(result.renderSeconds))],
        ];
  const lines = [RESULT_SIGNATURE_VERSION, ...[...common, ...specific].map(([name, value]) => `${name}=${value}`)];
  return encoder.encode(`${lines.join('\n')}\n`);
}

/** Signs results with a worker's key. */
export interface ResultSigner {
  /** The worker's public key, `U...`. */
  readonly publicKey: string;
  sign(data: Uint8Array): Uint8Array;
}

/*
 * NKeys are Ed25519 keys in base32 with a prefix and a CRC. @nats-io/nkeys validates them (prefix, CRC), but
 * signs and verifies in pure JavaScript at about 7 ms an operation; node:crypto's Ed25519 takes 0.1 ms and
 * produces the same signatures, so the raw key bytes are handed to it.
 */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new CanonicalEncodingError(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** The signer of a worker's NKey seed (`SU...`, the content of its identity file). */
export function resultSigner(seed: Uint8Array | string): ResultSigner {
  const text = typeof seed === 'string' ? seed.trim() : new TextDecoder().decode(seed).trim();
  const publicKey = fromSeed(encoder.encode(text)).getPublicKey();
  // Seed: two prefix bytes, the 32-byte Ed25519 seed, a CRC. Public key: one prefix byte, 32 bytes, a CRC.
  const d = base32Decode(text).subarray(2, 34);
  const x = base32Decode(publicKey).subarray(1, 33);
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(d), x: b64url(x) }, format: 'jwk' });
  return { publicKey, sign: (data) => new Uint8Array(sign(null, data, key)) };
}

const publicKeys = new Map<string, KeyObject>();
function publicKeyObject(publicKey: string): KeyObject {
  let key = publicKeys.get(publicKey);
  if (!key) {
    fromPublic(publicKey);
    const x = base32Decode(publicKey).subarray(1, 33);
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(x) }, format: 'jwk' });
    // A handful of keys per farm; the bound only stops a flood of distinct bad keys from growing it.
    if (publicKeys.size > 10_000) publicKeys.clear();
    publicKeys.set(publicKey, key);
  }
  return key;
}

/** The result with its `signature`: Ed25519 over canonicalResult, base64url without padding. */
export function signResult<T extends UnsignedTileResult>(result: T, signer: ResultSigner): T & { signature: string } {
  return { ...result, signature: b64url(signer.sign(canonicalResult(result))) };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'unsigned' | 'bad-signature'; detail: string };

/**
 * Checks a result's signature against the public key (`U...`) recorded for its worker. Never throws: a
 * malformed key, signature or field is a failed check, because the input comes from an untrusted worker.
 */
export function verifyResult(result: TileResult, publicKey: string): SignatureCheck {
  if (result.signature === undefined) return { ok: false, reason: 'unsigned', detail: 'the result carries no signature' };
  try {
    const signature = Buffer.from(result.signature, 'base64url');
    if (signature.length !== 64) return { ok: false, reason: 'bad-signature', detail: `signature is ${signature.length} bytes, not 64` };
    const unsigned: Partial<TileResult> = { ...result };
    delete unsigned.signature;
    if (verify(null, canonicalResult(unsigned as UnsignedTileResult), publicKeyObject(publicKey), signature)) return { ok: true };
    return { ok: false, reason: 'bad-signature', detail: `signature does not verify with the worker's key ${publicKey}` };
  } catch (error) {
    return { ok: false, reason: 'bad-signature', detail: (error as Error).message };
  }
}

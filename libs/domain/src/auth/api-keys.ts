import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../errors';
import type { AccountRole } from '../pricing';

/**
 * What an API key may do. A key carries a subset of its account's role's scopes, so a studio can hand a
 * pipeline a read-only key, and an operator's workers never hold a key that could submit (and spend).
 * - read: see one's own scenes, jobs, frames, balance and ledger.
 * - submit: upload scenes, submit and cancel jobs (spends credits).
 * - operate: register and revoke one's workers, see their earnings.
 * - admin: every account: create accounts and keys for them, credit them, revoke any worker.
 */
export const SCOPES = ['read', 'submit', 'operate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const ROLE_SCOPES: Readonly<Record<AccountRole, readonly Scope[]>> = {
  artist: ['read', 'submit'],
  studio: ['read', 'submit'],
  operator: ['read', 'operate'],
  admin: ['read', 'submit', 'operate', 'admin'],
  system: [],
};

/** The scopes an account of `role` can hold. */
export function scopesOfRole(role: AccountRole): readonly Scope[] {
  return ROLE_SCOPES[role];
}

/** The roles a person can be given (system accounts are the platform's own). */
export const PERSON_ROLES = ['artist', 'studio', 'operator', 'admin'] as const satisfies readonly AccountRole[];

/**
 * A key is `tsk_<id>_<secret>`: the id (12 base32 characters) finds the row, the secret (32 random bytes,
 * base64url) proves possession. Only the secret's SHA-256 is stored: the secret has 256 bits of entropy, so a
 * slow password hash would add nothing but latency to every request, and a leaked table reveals no key.
 */
export const API_KEY_PREFIX = 'tsk_';
const KEY_PATTERN = /^tsk_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export interface NewApiKey {
  id: string;
  /** The whole key, shown to its owner once and never stored. */
  key: string;
  secretHash: string;
}

export function generateApiKey(): NewApiKey {
  const id = [...randomBytes(12)].map((byte) => ID_ALPHABET[byte % 32]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** The id and secret of a presented key, or null when it is not shaped like one of ours. */
export function parseApiKey(key: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1], secret: match[2] } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with the stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** A key asked for with scopes its account's role does not have, or with none. */
export class ScopeError extends DomainError {
  readonly code = 'invalid_scopes';
}

/** Checks the scopes asked for a new key against the account's role; the key gets them sorted and unique. */
export function grantableScopes(role: AccountRole, asked: readonly string[]): Scope[] {
  const allowed = scopesOfRole(role);
  if (asked.length === 0) throw new ScopeError('scopes: a key needs at least one scope');
  const refused = asked.filter((scope) => !allowed.includes(scope as Scope));
  if (refused.length > 0) {
    throw new ScopeError(`scopes: an account of role ${role} can hold ${allowed.join(', ') || 'no scope'}, not ${refused.join(', ')}`);
  }
  return SCOPES.filter((scope) => asked.includes(scope));
}

/** A worker's public key that another operator registered first: a key pays one operator, for good. */
export class WorkerKeyTakenError extends DomainError {
  readonly code = 'conflict';
}

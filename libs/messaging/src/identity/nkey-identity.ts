import { createUser, fromPublic, fromSeed } from '@nats-io/nkeys';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An NKey identity file: one line, the user seed (`SU...`), mode 0600. Whoever reads it can act as the
 * worker (or service) it belongs to, on NATS and in signed results.
 */
export interface NkeyIdentity {
  /** `U...`: what an operator registers and what the coordinator verifies results with. */
  publicKey: string;
  seed: Uint8Array;
}

export class IdentityFileError extends Error {
  override name = 'IdentityFileError';
}

/**
 * Creates the identity file if there is none and returns the identity in it. Never overwrites: an existing
 * file is read and returned as it is (`created: false`), so running it twice is harmless. The file is
 * created exclusively (`wx`), so two processes racing to create it cannot both write one.
 */
export function ensureIdentityFile(path: string): NkeyIdentity & { created: boolean } {
  try {
    return { ...readIdentityFile(path), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const user = createUser();
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { ...readIdentityFile(path), created: false };
    throw error;
  }
  try {
    writeSync(fd, `${new TextDecoder().decode(user.getSeed())}\n`);
  } finally {
    closeSync(fd);
  }
  return { publicKey: user.getPublicKey(), seed: user.getSeed(), created: true };
}

/** Reads an identity file; refuses one that others can read, as ssh refuses such a private key. */
export function readIdentityFile(path: string): NkeyIdentity {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new IdentityFileError(`identity file ${path} can be read by others (mode ${mode.toString(8)}): chmod 600 ${path}`);
  }
  const text = readFileSync(path, 'utf8').trim();
  try {
    const seed = new TextEncoder().encode(text);
    const publicKey = fromSeed(seed).getPublicKey();
    if (!publicKey.startsWith('U')) throw new Error(`${publicKey.slice(0, 1)}... is not a user key`);
    return { publicKey, seed };
  } catch (error) {
    throw new IdentityFileError(`identity file ${path} does not hold an NKey seed: ${(error as Error).message}`);
  }
}

/** A NATS NKey user public key with a valid checksum (what `tessera worker init` prints), not merely shaped like one. */
export function isWorkerPublicKey(key: string): boolean {
  if (!/^U[A-Z2-7]{55}$/.test(key)) return false;
  try {
    fromPublic(key);
    return true;
  } catch {
    return false;
  }
}

import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError';
  constructor(readonly searched: readonly string[]) {
    super(
      'nats-server not found on PATH: run `npm run bootstrap` or apt-get install nats-server' +
        ` (searched: ${searched.join(', ')})`,
    );
  }
}

/*
 * Debian installs nats-server into /usr/sbin, which is not on the PATH of ordinary users (only of
 * root), so "not on PATH" is not the same as "not installed": the usual install directories are
 * searched after PATH.
 */
const FALLBACK_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];

/**
 * Finds the nats-server executable: `explicit` (an option), then $NATS_SERVER_BIN, then PATH, then
 * the usual install directories. Throws NatsServerNotFoundError naming what was searched.
 */
export async function resolveNatsServerBinary(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const pinned = explicit ?? env.NATS_SERVER_BIN;
  if (pinned !== undefined && pinned !== '') {
    if (await isExecutable(pinned)) return pinned;
    throw new NatsServerNotFoundError([pinned]);
  }
  const pathDirs = (env.PATH ?? '').split(delimiter).filter((dir) => isAbsolute(dir));
  const candidates = [...new Set([...pathDirs, ...FALLBACK_DIRS])].map((dir) => join(dir, 'nats-server'));
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  throw new NatsServerNotFoundError(['$PATH', ...FALLBACK_DIRS]);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

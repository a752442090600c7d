import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ApiClient } from '../api-client';
import { farmInfoPath, type FarmInfo } from '../farm';
import { adminKeyPath } from '../local-accounts';

/** The API a client command talks to: --api, then TESSERA_API_URL, then the farm `tessera up` started here. */
export function resolveApiUrl(flag: string | undefined, home: string): string {
  if (flag) return flag;
  if (process.env.TESSERA_API_URL) return process.env.TESSERA_API_URL;
  try {
    return (JSON.parse(readFileSync(farmInfoPath(home), 'utf8')) as FarmInfo).apiUrl;
  } catch {
    throw new Error(`no API given and no running farm found in ${home}: start one with \`tessera up\`, or pass --api URL`);
  }
}

/**
 * The API key a client command sends: --api-key, then TESSERA_API_KEY, then the local admin's key that
 * `tessera up` wrote under its home (so the local farm needs no manual step). Undefined when there is none:
 * the API then answers 401 with what to do.
 */
export function resolveApiKey(flag: string | undefined, home: string): string | undefined {
  if (flag) return flag;
  if (process.env.TESSERA_API_KEY) return process.env.TESSERA_API_KEY;
  try {
    return readFileSync(adminKeyPath(home), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function withApiOptions(command: Command): Command {
  return command
    .option('--api <url>', 'API base URL (default: TESSERA_API_URL, or the farm started by `tessera up`)')
    .option('--api-key <key>', 'API key (default: TESSERA_API_KEY, or the local admin key of the farm started by `tessera up`)')
    .option('--home <dir>', 'directory of the local farm', '.tessera');
}

export function clientFrom(flags: { api?: string; apiKey?: string; home: string }): ApiClient {
  return new ApiClient(resolveApiUrl(flags.api, flags.home), resolveApiKey(flags.apiKey, flags.home));
}

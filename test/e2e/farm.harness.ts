import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir, type TempDir } from '@tessera/testing';
import type { Farm as FarmClass, FarmOptions } from '../../apps/cli/src/farm';
import type { ApiClient as ApiClientClass } from '../../apps/cli/src/api-client';

const root = resolve(__dirname, '..', '..');
const dist = join(root, 'dist', 'apps', 'cli', 'src');

/**
 * The end-to-end suites run the farm as it ships: the compiled apps (dist/, built by `npm test` before jest
 * runs) as separate processes, with a real nats-server, the embedded S3 server and SQLite on loopback.
 */
export function loadBuiltFarm(): { Farm: typeof FarmClass; ApiClient: typeof ApiClientClass } {
  if (!existsSync(join(dist, 'farm.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test builds it first)');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { Farm: require(join(dist, 'farm.js')).Farm, ApiClient: require(join(dist, 'api-client.js')).ApiClient };
}

export interface TestFarm {
  farm: FarmClass;
  /** A client with the local admin's key. */
  api: ApiClientClass;
  apiUrl: string;
  /** The local admin's key (`tessera up` writes it to `<home>/admin.key`). */
  adminKey: string;
  /** fetch() on the API with a key: the admin's unless another is given. */
  fetch(path: string, init?: RequestInit, key?: string): Promise<Response>;
  home: TempDir;
  stop(): Promise<void>;
}

/** fetch() with `Authorization: Bearer <key>` added to whatever headers the request has. */
export function fetchWithKey(url: string, key: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${key}` } });
}

/** Short heartbeats and leases so that cancellation and expiry show within seconds. */
export const FAST_TIMINGS = {
  HEARTBEAT_INTERVAL_MS: '300',
  LEASE_TTL_MS: '3000',
  SWEEP_INTERVAL_MS: '200',
  CHECK_OTHER_OPERATOR_WAIT_MS: '500',
};

export async function startTestFarm(options: Partial<FarmOptions> = {}): Promise<TestFarm> {
  const { Farm, ApiClient } = loadBuiltFarm();
  const home = await tempDir('farm');
  // The farm's own embedded services unless the test names others; `options.env` adds to the environment.
  const env: NodeJS.ProcessEnv = { ...process.env, ...FAST_TIMINGS };
  for (const name of ['NATS_URL', 'DATABASE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) delete env[name];
  const farm = new Farm({
    home: home.path, coordinators: 1, workers: 2, workerSlots: 1, workerDrainMs: 500, apiPort: 0, echoLogs: false,
    ...options,
    env: { ...env, ...options.env },
  });
  try {
    const info = await farm.start();
    return {
      farm,
      api: new ApiClient(info.apiUrl, farm.adminKey),
      apiUrl: info.apiUrl,
      adminKey: farm.adminKey,
      fetch: (path, init, key = farm.adminKey) => fetchWithKey(`${info.apiUrl}${path}`, key, init),
      home,
      stop: async () => {
        await farm.stop();
        await home.remove();
      },
    };
  } catch (error) {
    await farm.stop();
    await home.remove();
    throw error;
  }
}

export const EXAMPLES = join(root, 'examples');

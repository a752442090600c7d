import { execFile, spawnSync } from 'node:child_process';
import { chown, mkdir, readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@tessera/storage';
import { onProcessExit } from './exit-cleanup';
import { tempDir } from './temp-dir';

const run = promisify(execFile);

export interface PostgresHarness {
  /** `postgres://postgres@127.0.0.1:PORT/tessera` (trust auth: no password). */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  dataDir: string;
  /** Creates another empty database on the same server and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server at once (no checkpoint: the data is thrown away) and deletes its directory. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Default `tessera`. */
  database?: string;
}

export class PostgresNotInstalledError extends Error {
  override readonly name = 'PostgresNotInstalledError';
  constructor(detail: string) {
    super(
      `PostgreSQL server binaries not found (${detail}): run \`npm run bootstrap -- --for test\`` +
        ' or apt-get install postgresql',
    );
  }
}

const PG_ROOT = '/usr/lib/postgresql';
const USER = 'postgres';
const HOST = '127.0.0.1';
const START_ATTEMPTS = 3;
// A throwaway test server needs no durability; these make initdb and every commit much faster.
const SPEED_OPTIONS = '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';

/**
 * A private PostgreSQL server from the installed binaries (newest /usr/lib/postgresql/N/bin, or
 * $PG_BIN_DIR), in a temp dir, on a free loopback port, with trust auth and one database.
 * initdb refuses to run as root, so under root the server runs as the `postgres` OS user.
 * Start it in beforeAll, stop it in afterAll (a forgotten one is stopped when the Jest worker exits):
 *
 * ```ts
 * let pg: PostgresHarness;
 * beforeAll(async () => { pg = await startPostgres(); }, 60_000);
 * afterAll(async () => { await pg?.stop(); });
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHarness> {
  const bin = await findPostgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await lookUpUser(USER) : undefined;
  const database = options.database ?? 'tessera';
  const dir = await tempDir('pg');
  const dataDir = join(dir.path, 'data');
  const socketDir = join(dir.path, 'sock');
  const logFile = join(dir.path, 'postgres.log');
  // Runs a server binary as the data directory's owner.
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', USER, '--', join(bin, tool), ...args])
      : run(join(bin, tool), args);
  const stopNow = () => pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  let forgetExitHook: (() => void) | undefined;

  try {
    await mkdir(socketDir);
    if (owner !== undefined) {
      await chown(dir.path, owner.uid, owner.gid);
      await chown(socketDir, owner.uid, owner.gid);
    }
    await pg('initdb', ['-D', dataDir, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort(HOST);
      const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=${HOST} ${SPEED_OPTIONS}`;
      try {
        await pg('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
        break;
      } catch (error) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        if (attempt < START_ATTEMPTS && /could not bind|Address already in use/i.test(log)) continue;
        throw new Error(`pg_ctl start failed: ${describe(error)}\n--- postgres.log ---\n${log}`, { cause: error });
      }
    }
    // Registered after tempDir's own hook, so at exit the server stops before its directory goes.
    forgetExitHook = onProcessExit(() => {
      const [cmd, ...args] = asRoot
        ? ['runuser', '-u', USER, '--', join(bin, 'pg_ctl')]
        : [join(bin, 'pg_ctl')];
      spawnSync(cmd, [...args, '-D', dataDir, '-m', 'immediate', 'stop'], { stdio: 'ignore' });
    });

    const createDatabase = async (name: string): Promise<string> => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new RangeError(`invalid database name ${name}`);
      await run(join(bin, 'createdb'), ['-h', HOST, '-p', String(port), '-U', USER, name]);
      return `postgres://${USER}@${HOST}:${port}/${name}`;
    };
    const url = await createDatabase(database);

    let stopped: Promise<void> | undefined;
    return {
      url,
      host: HOST,
      port,
      database,
      user: USER,
      dataDir,
      createDatabase,
      stop() {
        stopped ??= stopNow()
          .then(
            () => undefined,
            () => undefined, // already down: nothing left to stop
          )
          .then(() => {
            forgetExitHook?.();
            return dir.remove();
          });
        return stopped;
      },
    };
  } catch (error) {
    await stopNow().catch(() => undefined);
    forgetExitHook?.();
    await dir.remove();
    throw error;
  }
}

/** The newest installed server bin directory: $PG_BIN_DIR, else /usr/lib/postgresql/<N>/bin. */
export async function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const pinned = env.PG_BIN_DIR;
  if (pinned) {
    if (existsSync(join(pinned, 'initdb'))) return pinned;
    throw new PostgresNotInstalledError(`no initdb in PG_BIN_DIR=${pinned}`);
  }
  const versions = await readdir(PG_ROOT).catch(() => [] as string[]);
  const bins = versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(PG_ROOT, version, 'bin'))
    .filter((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (bins.length === 0) throw new PostgresNotInstalledError(`no initdb under ${PG_ROOT}/*/bin`);
  return bins[0];
}

async function lookUpUser(name: string): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run('id', ['-u', name])).stdout.trim());
    const gid = Number((await run('id', ['-g', name])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `running as root, and initdb refuses root: an OS user "${name}" is needed to own the test ` +
        'database (apt-get install postgresql creates it), or run the tests as a non-root user',
    );
  }
}

function describe(error: unknown): string {
  const output = error as { stderr?: string; stdout?: string; message?: string };
  return (output.stderr || output.stdout || output.message || String(error)).trim();
}

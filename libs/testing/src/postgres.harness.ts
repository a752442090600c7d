import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { tiedToParent } from '@tessera/messaging';
import { freePort } from '@tessera/storage';
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
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 30;
const READY_LINE = /database system is ready to accept connections/;
// A throwaway test server needs no durability; without it every commit waits for the disk.
const SPEED_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];

/**
 * A private PostgreSQL server from the installed binaries (newest /usr/lib/postgresql/N/bin, or
 * $PG_BIN_DIR), in a temp dir, on a free loopback port, with trust auth and one database.
 *
 * initdb refuses to run as root, so under root both it and the server run as the `postgres` OS
 * user. The postmaster runs as our child process (not daemonised by pg_ctl), tied to this process
 * with a parent-death signal: a crashed or killed Jest worker cannot leave it running.
 *
 * ```ts
 * let pg: PostgresHarness;
 * beforeAll(async () => { pg = await startPostgres(); }, 60_000);
 * afterAll(async () => { await pg?.stop(); });
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHarness> {
  const bin = await findPostgresBinDir();
  const owner = process.getuid?.() === 0 ? await lookUpUser(USER) : undefined;
  const database = options.database ?? 'tessera';
  const dir = await tempDir('pg');
  const dataDir = join(dir.path, 'data');
  const socketDir = join(dir.path, 'sock');
  // cwd: the server user may not be allowed into ours (e.g. a checkout under /root).
  const asOwner = { cwd: dir.path, ...(owner ?? {}) };
  let server: ServerChild | undefined;

  try {
    await mkdir(socketDir);
    if (owner !== undefined) {
      await chown(dir.path, owner.uid, owner.gid);
      await chown(socketDir, owner.uid, owner.gid);
    }
    await run(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      asOwner,
    ).catch((error: unknown) => {
      throw new Error(`initdb failed: ${describe(error)}`, { cause: error });
    });

    for (let attempt = 1; server === undefined; attempt++) {
      const port = await freePort(HOST);
      const settings = [`listen_addresses=${HOST}`, ...SPEED_SETTINGS].flatMap((s) => ['-c', s]);
      const args = ['-D', dataDir, '-p', String(port), '-k', socketDir, ...settings];
      try {
        server = await ServerChild.start(join(bin, 'postgres'), args, asOwner, port);
      } catch (error) {
        const portTaken = /could not bind|Address already in use/i.test((error as Error).message);
        if (!portTaken || attempt >= START_ATTEMPTS) throw error;
      }
    }
    const port = server.port;

    const createDatabase = async (name: string): Promise<string> => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new RangeError(`invalid database name ${name}`);
      await run(join(bin, 'createdb'), ['-h', HOST, '-p', String(port), '-U', USER, name]);
      return `postgres://${USER}@${HOST}:${port}/${name}`;
    };
    const url = await createDatabase(database);

    const running = server;
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
        stopped ??= running.stop().finally(() => dir.remove());
        return stopped;
      },
    };
  } catch (error) {
    await server?.stop();
    await dir.remove();
    throw error;
  }
}

/** The postmaster as a child process: started when it says it is ready, stopped when it has exited. */
class ServerChild {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  static start(
    program: string,
    args: string[],
    spawnOptions: { cwd: string; uid?: number; gid?: number },
    port: number,
  ): Promise<ServerChild> {
    // SIGQUIT is postgres's immediate shutdown: it also ends the backends, which SIGKILL would orphan.
    const tied = tiedToParent(program, args, 'QUIT');
    const child = spawn(tied.command, tied.args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerChild(child, port);
    const log: string[] = [];
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (reason: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Reject only once it is gone, so a retry on another port never races it.
        void server.stop().then(() => reject(new Error(`postgres did not start: ${reason}\n${log.join('\n')}`)));
      };
      const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      // Both pipes are drained for the server's whole life, or it would block once one is full.
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          log.push(line);
          if (log.length > LOG_TAIL_LINES) log.shift();
          if (!settled && READY_LINE.test(line)) {
            settled = true;
            clearTimeout(timer);
            resolve(server);
          }
        });
      }
      child.once('error', (error) => fail(error.message));
      child.once('exit', (code, signal) => setImmediate(() => fail(`exited (code ${code}, signal ${signal})`)));
    });
  }

  /** Immediate shutdown; SIGKILL if it has not exited within STOP_TIMEOUT_MS. Idempotent. */
  async stop(): Promise<void> {
    this.child.kill('SIGQUIT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
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
    .filter((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
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

import { fromPublic } from '@nats-io/nkeys';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeySchema, workerIdSchema, workerPermissions } from '@tessera/contracts';
import { ensureIdentityFile } from '../identity/nkey-identity';
import { natsServerConfig, type NatsUser } from './nats-server.config';

/** The services of a farm that connect to NATS with credentials of their own, trusted with every subject. */
export type NatsService = 'coordinator' | 'api';
const SERVICES: readonly NatsService[] = ['coordinator', 'api'];

export interface AllowedWorker {
  workerId: string;
  publicKey: string;
  allowedAt: string;
}

interface AuthorizationState {
  version: 1;
  storeDir: string;
  workers: AllowedWorker[];
}

export class NatsAuthorizationError extends Error {
  override name = 'NatsAuthorizationError';
}

const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;

/**
 * Who may connect to the embedded nats-server, and to do what: NKey users in a configuration file that the
 * farm writes and nats-server reloads on SIGHUP. The coordinator and the API get service keys with every
 * permission; each allowed worker gets its own key with `workerPermissions(workerId)`. Revoking a worker
 * rewrites the file and reloads, and nats-server disconnects the revoked key at once (measured).
 *
 * The state lives in `<dir>/authorization.json`; any process of the farm on this machine may change it
 * (`tessera up` for its local workers, the API when an operator registers a key), so every change runs
 * under a lock directory and replaces files by rename. See docs/operations.md ("NATS").
 */
export class NatsAuthorization {
  private constructor(readonly dir: string) {}

  /** Sets up (or reopens) the authorisation of an embedded server storing JetStream in `storeDir`. */
  static create(dir: string, storeDir: string): NatsAuthorization {
    mkdirSync(join(dir, 'services'), { recursive: true, mode: 0o700 });
    const auth = new NatsAuthorization(dir);
    auth.locked(() => {
      const state = auth.readState() ?? { version: 1, storeDir, workers: [] };
      auth.write({ ...state, storeDir });
    });
    return auth;
  }

  /** Opens the authorisation `create` set up, from another process of the farm (the API). */
  static open(dir: string): NatsAuthorization {
    const auth = new NatsAuthorization(dir);
    if (!auth.readState()) throw new NatsAuthorizationError(`no NATS authorisation in ${dir}: is this the NATS_AUTH_DIR of \`tessera up\`?`);
    return auth;
  }

  get configFile(): string {
    return join(this.dir, 'nats.conf');
  }

  get pidFile(): string {
    return join(this.dir, 'nats-server.pid');
  }

  /** The NKey seed file a service connects with (NATS_NKEY_SEED_FILE). */
  serviceSeedFile(service: NatsService): string {
    return join(this.dir, 'services', `${service}.nk`);
  }

  workers(): AllowedWorker[] {
    return this.readState()?.workers ?? [];
  }

  /**
   * Lets the holder of `publicKey` connect as worker `workerId`: publish only on that worker's subjects,
   * subscribe only to its replies. A worker id has one key and a key one worker id: allowing replaces any
   * earlier entry for either (a worker that made a new identity, a key moved to another id). Applied at once
   * to a running server.
   */
  allowWorker(publicKey: string, workerId: string, now = new Date()): AllowedWorker {
    validate(publicKey, workerId);
    const entry: AllowedWorker = { workerId, publicKey, allowedAt: now.toISOString() };
    this.change((workers) => [...workers.filter((w) => w.workerId !== workerId && w.publicKey !== publicKey), entry]);
    return entry;
  }

  /** Takes a worker's access away, by public key or worker id; connections with it are closed. False if unknown. */
  revokeWorker(publicKeyOrWorkerId: string): boolean {
    let found = false;
    this.change((workers) => {
      const kept = workers.filter((w) => w.publicKey !== publicKeyOrWorkerId && w.workerId !== publicKeyOrWorkerId);
      found = kept.length !== workers.length;
      return kept;
    });
    return found;
  }

  /** Rewrites the configuration and asks a running nats-server to reload it. */
  private change(update: (workers: AllowedWorker[]) => AllowedWorker[]): void {
    this.locked(() => {
      const state = this.readState();
      if (!state) throw new NatsAuthorizationError(`no NATS authorisation in ${this.dir}`);
      this.write({ ...state, workers: update(state.workers) });
    });
    this.reload();
  }

  /** SIGHUP to the server named in the pid file. No server running: the file applies when it starts. */
  reload(): void {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !this.isOurServer(pid)) return;
    try {
      process.kill(pid, 'SIGHUP');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /**
   * A pid file can outlive its server (a machine that lost power), and SIGHUP ends most other programs, so
   * the process must be a nats-server running this configuration. Where /proc is missing (not Linux), the
   * pid file is trusted.
   */
  private isOurServer(pid: number): boolean {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync('/proc/self');
    }
    const args = commandLine.split('\0');
    return args.some((arg) => arg.endsWith('nats-server')) && args.includes(this.configFile);
  }

  private write(state: AuthorizationState): void {
    const services: NatsUser[] = SERVICES.map((service) => ({
      publicKey: ensureIdentityFile(this.serviceSeedFile(service)).publicKey,
      permissions: 'all',
      comment: `service ${service}`,
    }));
    const workers: NatsUser[] = state.workers.map((w) => ({ publicKey: w.publicKey, permissions: workerPermissions(w.workerId), comment: `worker ${w.workerId}` }));
    replaceFile(join(this.dir, 'authorization.json'), `${JSON.stringify(state, null, 2)}\n`);
    replaceFile(this.configFile, natsServerConfig({ storeDir: state.storeDir, pidFile: this.pidFile, users: [...services, ...workers] }));
  }

  private readState(): AuthorizationState | null {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'authorization.json'), 'utf8')) as AuthorizationState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Runs `fn` holding `<dir>/lock` (mkdir is atomic); a lock left by a crashed process expires. */
  private locked(fn: () => void): void {
    const lock = join(this.dir, 'lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
        else if (Date.now() > deadline) throw new NatsAuthorizationError(`${lock} is held by another process`);
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
    try {
      fn();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function validate(publicKey: string, workerId: string): void {
  const id = workerIdSchema.safeParse(workerId);
  if (!id.success) throw new NatsAuthorizationError(`worker id ${JSON.stringify(workerId)}: ${id.error.issues[0]?.message}`);
  if (!publicKeySchema.safeParse(publicKey).success) throw new NatsAuthorizationError(`${publicKey} is not a NATS user public key`);
  try {
    fromPublic(publicKey);
  } catch (error) {
    throw new NatsAuthorizationError(`${publicKey} is not a NATS user public key: ${(error as Error).message}`);
  }
}

function replaceFile(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}

/** For the API: let an operator's registered key connect as `workerId` on the embedded NATS in `authDir`. */
export function allowWorker(authDir: string, publicKey: string, workerId: string): AllowedWorker {
  return NatsAuthorization.open(authDir).allowWorker(publicKey, workerId);
}

/** For the API: revoke a worker's key (or every key of a worker id) on the embedded NATS in `authDir`. */
export function revokeWorker(authDir: string, publicKeyOrWorkerId: string): boolean {
  return NatsAuthorization.open(authDir).revokeWorker(publicKeyOrWorkerId);
}

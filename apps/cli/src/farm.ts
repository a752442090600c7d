import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, type TesseraConfig } from '@tessera/contracts';
import { ensureIdentityFile, NatsAuthorization, NatsServerProcess } from '@tessera/messaging';
import { EmbeddedS3Server, freePort } from '@tessera/storage';
import { AppProcess } from './app-process';
import { ensureLocalAccounts, registerLocalWorkers } from './local-accounts';

export interface FarmOptions {
  /** Data of the embedded services and the farm's logs; default `.tessera`. */
  home: string;
  /** Coordinators started with the farm (several share the database and NATS). Default 1. */
  coordinators: number;
  /** Local workers started with the farm. Default one per core. */
  workers: number;
  /** Slots per local worker. */
  workerSlots: number;
  /** On stop, how long local workers may finish running tiles before giving their leases back. */
  workerDrainMs: number;
  /** API port; 0 for any free port. */
  apiPort: number;
  /** Echo the processes' logs to stderr (they always go to `<home>/logs/`). */
  echoLogs: boolean;
  /** The environment to read configuration from; variables set here replace embedded services. */
  env: NodeJS.ProcessEnv;
}

export const defaultFarmOptions = (): FarmOptions => ({
  home: '.tessera',
  coordinators: 1,
  workers: availableParallelism(),
  workerSlots: 1,
  workerDrainMs: 10_000,
  apiPort: 8480,
  echoLogs: false,
  env: process.env,
});

/** What `tessera up` writes so that `tessera submit/status/download` find the running farm. */
export interface FarmInfo {
  apiUrl: string;
  natsUrl: string;
  pid: number;
}

export function farmInfoPath(home: string): string {
  return join(home, 'farm.json');
}

/**
 * A whole farm on one machine: the embedded services (nats-server child, S3 server, SQLite) unless the
 * environment names external ones, then a coordinator, the API and local workers as separate processes
 * talking to each other only through NATS, S3 and the database, exactly as on separate machines.
 */
export class Farm {
  private nats: NatsServerProcess | undefined;
  /** Who may use the embedded nats-server; undefined when NATS_URL names an external one. */
  natsAuthorization: NatsAuthorization | undefined;
  private s3: EmbeddedS3Server | undefined;
  private readonly processes: AppProcess[] = [];
  readonly coordinators: AppProcess[] = [];
  readonly workers: AppProcess[] = [];
  config: TesseraConfig | undefined;
  apiUrl = '';
  /** The local admin's API key (also in `<home>/admin.key`, mode 0600). */
  adminKey = '';

  constructor(private readonly options: FarmOptions) {}

  async start(): Promise<FarmInfo> {
    const home = resolve(this.options.home);
    await mkdir(join(home, 'logs'), { recursive: true });
    const env = { ...this.options.env };
    // Services connect with their own NKey (NATS_NKEY_SEED_FILE); workers with theirs (addWorker).
    const serviceEnv: Partial<Record<'coordinator' | 'api', NodeJS.ProcessEnv>> = {};
    if (!env.NATS_URL) {
      const storeDir = join(home, 'nats');
      this.natsAuthorization = NatsAuthorization.create(join(home, 'nats-auth'), storeDir);
      this.nats = new NatsServerProcess({ storeDir, configFile: this.natsAuthorization.configFile });
      env.NATS_URL = await this.nats.start();
      env.NATS_AUTH_DIR = this.natsAuthorization.dir;
      for (const service of ['coordinator', 'api'] as const) {
        serviceEnv[service] = { NATS_NKEY_SEED_FILE: this.natsAuthorization.serviceSeedFile(service) };
      }
    }
    if (!env.S3_ENDPOINT) {
      this.s3 = new EmbeddedS3Server({ directory: join(home, 's3') });
      const s3 = await this.s3.start();
      Object.assign(env, {
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: s3.region,
        S3_BUCKET: s3.bucket,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        S3_FORCE_PATH_STYLE: 'true',
      });
    }
    env.DATABASE_URL ??= `sqlite:${join(home, 'tessera.sqlite')}`;
    // Every local worker belongs to the one local operator: a spot-check has no other operator to wait for.
    env.CHECK_OTHER_OPERATOR_WAIT_MS ??= '0';
    env.TESSERA_HOME = home;
    env.API_PORT = String(this.options.apiPort || (await freePort()));
    this.config = loadConfig(env);

    // The first coordinator migrates the database; the others and the API start on a migrated schema.
    for (let i = 1; i <= Math.max(1, this.options.coordinators); i++) {
      const coordinator = this.spawn(`coordinator ${i}`, 'coordinator', [], { ...env, ...serviceEnv.coordinator }, `coordinator-${i}`);
      this.coordinators.push(coordinator);
      await coordinator.waitFor(/coordinator ready/, 60_000);
    }
    this.adminKey = await ensureLocalAccounts(this.config, home);
    const api = this.spawn('api', 'api', [], { ...env, ...serviceEnv.api });
    await api.waitFor(/api listening on/, 60_000);
    this.apiUrl = `http://${this.config.api.host}:${this.config.api.port}`;
    const local = Array.from({ length: this.options.workers }, (_, i) => `local-${i + 1}`);
    // The farm's own workers are the local operator's: registered like any operator's, and paid.
    await registerLocalWorkers(this.config, home, local.map((id) => ({ publicKey: ensureIdentityFile(this.identityPath(id)).publicKey, name: id })));
    for (const id of local) this.addWorker(id);
    await Promise.all(this.workers.map((w) => w.waitFor(/registered as/, 60_000)));

    const info: FarmInfo = { apiUrl: this.apiUrl, natsUrl: env.NATS_URL, pid: process.pid };
    await writeFile(farmInfoPath(home), `${JSON.stringify(info, null, 2)}\n`);
    return info;
  }

  /**
   * Adds one more local worker process; returns it so a caller can stop or kill it. The worker gets an
   * identity in its directory (kept across restarts, as `tessera worker init` would) and, on the embedded
   * NATS, is allowed in: local workers need no operator to register them.
   */
  addWorker(id: string): AppProcess {
    const home = resolve(this.options.home);
    const env = this.workerEnv();
    const identity = this.identityPath(id);
    const { publicKey } = ensureIdentityFile(identity);
    this.natsAuthorization?.allowWorker(publicKey, id);
    const worker = this.spawn(`worker ${id}`, 'worker', [
      '--nats', this.config?.natsUrl as string,
      '--id', id,
      '--identity', identity,
      '--slots', String(this.options.workerSlots),
      '--cache-dir', join(home, 'workers', id),
      '--drain-timeout', String(this.options.workerDrainMs),
    ], env, `worker-${id}`);
    this.workers.push(worker);
    return worker;
  }

  private identityPath(id: string): string {
    return join(resolve(this.options.home), 'workers', id, 'identity.nk');
  }

  /**
   * Stops the embedded S3 server and starts it again on the same port, directory and credentials after
   * `downtimeMs`: a storage outage drill (workers and coordinators must ride it out).
   */
  async interruptEmbeddedStorage(downtimeMs: number): Promise<void> {
    const running = this.s3;
    if (!running || !this.config) throw new Error('the farm does not run the embedded S3 server');
    const { endpoint, accessKeyId, secretAccessKey } = this.config.s3;
    await running.stop();
    await new Promise((resolve) => setTimeout(resolve, downtimeMs));
    this.s3 = new EmbeddedS3Server({
      directory: join(resolve(this.options.home), 's3'),
      port: Number(new URL(endpoint as string).port),
      accessKeyId,
      secretAccessKey,
    });
    await this.s3.start();
  }

  /** Stops everything, workers first so their leases are released while the coordinator still answers. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    for (const p of [...this.processes].reverse().filter((p) => !this.workers.includes(p))) await p.stop();
    await this.s3?.stop();
    await this.nats?.stop();
  }

  /** Workers are untrusted: they get the NATS URL and nothing else, no storage or database credentials. */
  private workerEnv(): NodeJS.ProcessEnv {
    if (!this.config) throw new Error('the farm is not started');
    const env: NodeJS.ProcessEnv = { ...this.options.env, NATS_URL: this.config.natsUrl };
    for (const name of Object.keys(env)) if (name.startsWith('S3_') || ['DATABASE_URL', 'NATS_NKEY_SEED_FILE', 'NATS_AUTH_DIR'].includes(name)) delete env[name];
    return env;
  }

  private spawn(name: string, app: 'api' | 'coordinator' | 'worker', args: string[], env: NodeJS.ProcessEnv, logName: string = app): AppProcess {
    const process = new AppProcess({ name, app, args, env, logFile: join(resolve(this.options.home), 'logs', `${logName}.log`), echo: this.options.echoLogs });
    process.start();
    this.processes.push(process);
    return process;
  }
}

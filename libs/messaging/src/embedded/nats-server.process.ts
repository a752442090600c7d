import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { freePort } from '@tessera/storage';
import { resolveNatsServerBinary } from './nats-server.binary';
import { tiedToParent } from './parent-death';

export interface NatsServerProcessOptions {
  /** JetStream store directory (`-sd`), e.g. `.tessera/nats`; created if missing. */
  storeDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: a free port, chosen at the first start and kept for restarts (clients reconnect to it). */
  port?: number;
  /** Path of the executable; default $NATS_SERVER_BIN, PATH, then the usual install directories. */
  binary?: string;
  /** How long to wait for "Server is ready". Default 15 s (JetStream recovers its store first). */
  startTimeoutMs?: number;
  /**
   * A configuration file (`-c`), e.g. NatsAuthorization's with its NKey users. It must enable JetStream
   * itself (natsServerConfig does): with a file, `-js -sd` are not passed, because nats-server 2.9 drops
   * flag-enabled JetStream when it reloads the file. Host and port still come from the options.
   */
  configFile?: string;
  /** Arguments added after ours, e.g. `['-n', 'coordinator-1']`. */
  extraArgs?: readonly string[];
  /** Every line the server logs. Default: kept only in logTail(). */
  onLog?: (line: string) => void;
}

export interface NatsServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class NatsServerStartError extends Error {
  override readonly name = 'NatsServerStartError';
  constructor(reason: string, readonly log: readonly string[]) {
    super(`nats-server did not start: ${reason}${log.length ? `\n--- last log lines ---\n${log.join('\n')}` : ''}`);
  }
}

const LOG_TAIL_LINES = 40;
const READY_LINE = /Server is ready/;
const PORT_IN_USE = /address already in use/;
// A port from freePort() can be taken by someone else before nats-server binds it.
const PORT_ATTEMPTS = 3;

// Children still running when this process exits normally are killed here; the parent-death signal
// (parent-death.ts) covers the abnormal ends, and this covers systems without it.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const live of liveChildren) live.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/**
 * A `nats-server -js` child process on loopback: the messaging of `tessera up` and of the tests.
 * start() resolves once the server logs "Server is ready" (it accepts connections from then on).
 * The same instance can be started again after stop() or kill(), on the same port and store.
 */
export class NatsServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<NatsServerExit> | undefined;
  private chosenPort: number | undefined;
  private readonly log: string[] = [];

  constructor(private readonly options: NatsServerProcessOptions) {
    this.chosenPort = options.port;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** The port; defined once start() has resolved. */
  get port(): number {
    if (this.chosenPort === undefined) throw new Error('NatsServerProcess has no port before start()');
    return this.chosenPort;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `nats://${host}:${this.port}`;
  }

  get storeDir(): string {
    return this.options.storeDir;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The last lines the server logged: for error messages and failing tests. */
  logTail(): string[] {
    return [...this.log];
  }

  async start(): Promise<string> {
    if (this.child !== undefined) throw new Error(`nats-server is already running at ${this.url}`);
    const binary = await resolveNatsServerBinary(this.options.binary);
    await mkdir(this.options.storeDir, { recursive: true });
    const portGiven = this.chosenPort !== undefined;
    for (let attempt = 1; ; attempt++) {
      this.chosenPort ??= await freePort(this.host);
      try {
        await this.spawnOnce(binary);
        return this.url;
      } catch (error) {
        const retry =
          !portGiven && attempt < PORT_ATTEMPTS && this.log.some((line) => PORT_IN_USE.test(line));
        if (!retry) throw error;
        this.chosenPort = undefined;
      }
    }
  }

  /** Graceful stop (JetStream flushes its state); SIGKILL if still alive after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<NatsServerExit | undefined> {
    const child = this.child;
    const exited = this.exited;
    if (child === undefined || exited === undefined) return undefined;
    // SIGINT and SIGTERM both shut nats-server 2.9 down cleanly, but SIGTERM exits with code 1,
    // which would read as a crash in `tessera up`'s log; SIGINT exits with 0.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Re-reads the configuration file (SIGHUP): users and permissions change without a restart. */
  reload(): void {
    this.child?.kill('SIGHUP');
  }

  /** Abrupt death (SIGKILL), as a crashed machine would: for chaos tests. Resolves once it is gone. */
  async kill(): Promise<NatsServerExit | undefined> {
    const child = this.child;
    const exited = this.exited;
    if (child === undefined || exited === undefined) return undefined;
    child.kill('SIGKILL');
    return exited;
  }

  private spawnOnce(binary: string): Promise<void> {
    const args = this.options.configFile
      ? ['-c', this.options.configFile, '-a', this.host, '-p', String(this.port)]
      : ['-js', '-a', this.host, '-p', String(this.port), '-sd', this.options.storeDir];
    args.push(...(this.options.extraArgs ?? []));
    this.log.length = 0;
    // SIGTERM on parent death: JetStream still gets to flush its state.
    const tied = tiedToParent(binary, args, 'TERM');
    const child = spawn(tied.command, tied.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
        }
        resolve({ code, signal });
      });
    });

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) {
          resolve();
          return;
        }
        child.kill('SIGKILL');
        // Reject only once the child is gone, so a retry never races its predecessor.
        void this.exited!.then(() => reject(error));
      };
      const timeoutMs = this.options.startTimeoutMs ?? 15_000;
      const timer = setTimeout(
        () => finish(new NatsServerStartError(`no "Server is ready" within ${timeoutMs} ms`, this.logTail())),
        timeoutMs,
      );
      // Both streams must be drained, or the child blocks once a pipe buffer fills.
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          this.remember(line);
          if (READY_LINE.test(line)) finish();
        });
      }
      child.once('error', (error) => finish(new NatsServerStartError(error.message, this.logTail())));
      child.once('exit', (code, signal) => {
        // Let readline deliver the last lines (the fatal one) before the message is built.
        setImmediate(() =>
          finish(
            new NatsServerStartError(
              `exited during start-up (code ${code}, signal ${signal}) on ${this.host}:${this.port}`,
              this.logTail(),
            ),
          ),
        );
      });
    });
  }

  private remember(line: string): void {
    this.log.push(line);
    if (this.log.length > LOG_TAIL_LINES) this.log.shift();
    this.options.onLog?.(line);
  }
}

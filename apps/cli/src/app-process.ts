import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The compiled entry point of one of Tessera's apps, next to this file in dist/. */
export function appEntry(app: 'api' | 'coordinator' | 'worker'): string {
  return join(__dirname, '..', '..', app, 'src', 'main.js');
}

export interface AppProcessOptions {
  name: string;
  app: 'api' | 'coordinator' | 'worker';
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** Every output line goes here, prefixed with the process name. */
  logFile: string;
  /** Also echo output lines to this process's stderr. */
  echo: boolean;
}

/**
 * One of the farm's processes (api, coordinator, a worker) run as a child of `tessera up`: separate processes,
 * as they would be on separate machines, so a crash of one does not take down the others.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly lines: string[] = [];
  private readonly waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];

  constructor(private readonly options: AppProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process; after it exited (or was killed), starts it again with the same arguments. */
  start(): void {
    this.lines.length = 0;
    this.log = createWriteStream(this.options.logFile, { flags: 'a' });
    // Colours only where a person reads the output live; log files stay plain text.
    const colour = this.options.echo && process.stderr.isTTY;
    const child = spawn(process.execPath, [appEntry(this.options.app), ...(this.options.args ?? [])], {
      env: colour ? this.options.env : { ...this.options.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves when the process prints a line matching `pattern`; rejects if it exits first or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    if (this.lines.some((line) => pattern.test(line))) return;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve) => this.waiters.push({ pattern, resolve }));
    const failed = new Promise<never>((_, reject) => {
      void this.exited.then((code) => reject(new Error(`${this.name} exited (code ${code}) before it was ready:\n${this.tail()}`)));
      timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs);
    });
    try {
      await Promise.race([seen, failed]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return this.closeLog();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    await this.closeLog();
  }

  /** SIGKILL at once, as a crash would. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    await this.closeLog();
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT to freeze and thaw a process). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  tail(lines = 20): string {
    return this.lines.slice(-lines).join('\n');
  }

  private onLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 500) this.lines.shift();
    this.log?.write(`${line}\n`);
    if (this.options.echo) process.stderr.write(`[${this.name}] ${line}\n`);
    for (const waiter of this.waiters.filter((w) => w.pattern.test(line))) waiter.resolve();
  }

  private closeLog(): Promise<void> {
    return new Promise((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }
}

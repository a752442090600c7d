import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { RENDER_LOG_LIMIT, RenderAbortedError, RenderTimeoutError } from '../renderer';

/*
 * Renderer processes (Blender, POV-Ray) run from untrusted scenes, for minutes, and must never outlive
 * the render they belong to. Each is started as the leader of a process group of its own (detached), so
 * one kill(-pgid) stops it with every helper it started. Three further lines of defence cover the cases
 * where nobody is left to send that kill:
 * - the kernel signals the process when its parent dies (PR_SET_PDEATHSIG: bubblewrap's --die-with-parent,
 *   or util-linux's setpriv for a process started without the sandbox);
 * - groups still alive when this process exits normally are killed by an 'exit' hook;
 * - the Blender driver exits when its stdin closes (see blender-driver.script.ts).
 *
 * Shared by the Blender and POV-Ray adapters; it lives next to Blender, its heaviest user.
 */

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Open a fourth pipe (fd 3 in the child) for replies that must not mix with the program's own output. */
  replyChannel?: boolean;
  /** Bytes of output (stdout and stderr together) to keep; older output is dropped. */
  outputLimit?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const DEFAULT_OUTPUT_LIMIT = 256 * 1024;
const live = new Set<ProcessGroup>();
let exitHookInstalled = false;

/** One renderer process and its group: output kept, exit observed, killed as a whole. */
export class ProcessGroup {
  readonly output: OutputTail;
  readonly exited: Promise<ExitStatus>;
  private readonly child: ChildProcess;
  private status: ExitStatus | null = null;

  private constructor(spec: ProcessSpec) {
    this.output = new OutputTail(spec.outputLimit ?? DEFAULT_OUTPUT_LIMIT);
    const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe'];
    if (spec.replyChannel) stdio.push('pipe');
    this.child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio });
    this.child.stdout?.on('data', (chunk: Buffer) => this.output.append(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => this.output.append(chunk));
    // A child that dies while we write to it must not take this process down with EPIPE.
    this.child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      const done = (status: ExitStatus): void => {
        if (this.status) return;
        this.status = status;
        live.delete(this);
        resolve(status);
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      this.child.once('error', (error) => {
        this.output.append(Buffer.from(`failed to start ${spec.command}: ${error.message}\n`));
        done({ code: null, signal: null });
      });
    });
    live.add(this);
    installExitHook();
  }

  static start(spec: ProcessSpec): ProcessGroup {
    return new ProcessGroup(spec);
  }

  /** The group id: the leader's pid. Undefined when the program could not be started at all. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.status === null;
  }

  get stdin(): Writable {
    return this.child.stdin as Writable;
  }

  /** The reply channel (fd 3 in the child), when the spec asked for one. */
  get replies(): Readable | undefined {
    return (this.child.stdio[3] as Readable | null) ?? undefined;
  }

  /** SIGKILL to the whole group. Safe to call any number of times, before or after the exit. */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.status) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /**
   * Waits for the process to exit by itself, killing the group when `timeoutMs` pass (RenderTimeoutError)
   * or `signal` aborts (RenderAbortedError). `what` names the program in those errors.
   */
  async finish(what: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new RenderTimeoutError(`${what} did not finish within ${options.timeoutMs} ms and was killed`, this.output.since(0, RENDER_LOG_LIMIT)));
      }, options.timeoutMs);
      onAbort = () => {
        this.kill();
        reject(new RenderAbortedError(`${what} render aborted`));
      };
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.exited, interrupted]);
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills the group and waits until the leader has been reaped. */
  async stop(): Promise<ExitStatus> {
    this.kill();
    return this.exited;
  }
}

/**
 * The last `limit` bytes of a process's output, with marks: `since(mark)` is what was written after a
 * mark, so a long-lived process can hand each tile the output of that tile only.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private held = 0;
  private written = 0;

  constructor(private readonly limit: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.held += chunk.length;
    this.written += chunk.length;
    while (this.held - this.chunks[0].length >= this.limit) this.held -= this.chunks.shift()!.length;
  }

  /** A position in the output, for `since`. */
  mark(): number {
    return this.written;
  }

  /** Output written since `mark`, at most `max` bytes (the end of it), as text. */
  since(mark = 0, max = this.limit): string {
    const all = Buffer.concat(this.chunks);
    const start = Math.max(all.length - (this.written - mark), all.length - max, 0);
    const text = all.subarray(start).toString('utf8');
    // Cutting may split a UTF-8 sequence: drop the broken character rather than show a replacement mark.
    return start > 0 && text.charCodeAt(0) === 0xfffd ? text.slice(1) : text;
  }
}

/**
 * The command line that runs `command args` so that the kernel kills it when this process dies: util-linux's
 * setpriv --pdeathsig, which Debian and Ubuntu always install. Unchanged where there is no setpriv.
 */
export function tiedToParent(command: string, args: string[]): { command: string; args: string[] } {
  const setpriv = findSetpriv();
  return setpriv ? { command: setpriv, args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args };
}

/**
 * The absolute path of an executable: `name` itself when it is a path, else the first match on PATH.
 * Null when there is none, which for a renderer means "not installed here", never an error.
 */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  if (name.includes('/')) {
    const absolute = isAbsolute(name) ? name : join(process.cwd(), name);
    return isExecutable(absolute) ? absolute : null;
  }
  for (const dir of path.split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

let setprivPath: string | null | undefined;
function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return null;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (!existsSync(candidate)) continue;
    const help = spawnSync(candidate, ['--help'], { encoding: 'utf8' });
    if (help.status === 0 && help.stdout.includes('--pdeathsig')) return (setprivPath = candidate);
  }
  return null;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of live) group.kill();
  });
}

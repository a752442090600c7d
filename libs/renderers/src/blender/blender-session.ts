import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PreparedScene } from '../archive/scene-workspace';
import { RENDER_LOG_LIMIT, RenderAbortedError, RenderFailedError, RenderTimeoutError } from '../renderer';
import { BLENDER_DRIVER_PROTOCOL, BLENDER_DRIVER_SCRIPT } from './blender-driver.script';
import { ProcessGroup, tiedToParent } from './process-group';
import type { Sandbox } from './sandbox';

export interface BlenderSessionOptions {
  /** Absolute path of the blender executable. */
  binary: string;
  scene: PreparedScene;
  /** A directory of its own for this session (home, temp and tile outputs); removed when it ends. */
  workDir: string;
  /** Run inside this sandbox; null runs Blender directly (still with autoexec off). */
  sandbox: Sandbox | null;
  /** Expose GPU device nodes inside the sandbox. */
  gpu: boolean;
}

/** A driver reply: `ok` with the command's fields, or the driver's error. */
export type DriverReply = { id: number; ok: true; [field: string]: unknown } | { id: number; ok: false; error: string; scene: boolean };

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The driver failed a command; `scene` says the scene itself is at fault (no camera...). */
export class BlenderCommandError extends RenderFailedError {
  override name = 'BlenderCommandError';

  constructor(
    message: string,
    log: string,
    readonly sceneFault: boolean,
  ) {
    super(message, log);
  }
}

/**
 * One Blender process with the scene loaded and the Python driver (blender-driver.script.ts) waiting for
 * commands; a cold render uses a session for one tile, a warm one for many. A session answers one command
 * at a time. Anything unexpected -- a timeout, an abort, a malformed or out-of-order reply, an exit -- kills
 * its process group and leaves the session dead: it is never trusted again.
 */
export class BlenderSession {
  readonly id = randomUUID();
  readonly outputDir: string;
  private readonly process: ProcessGroup;
  private readonly pending: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private readonly ready: Promise<void>;
  private nextId = 1;
  private busy = false;
  private dead = false;

  private constructor(private readonly options: BlenderSessionOptions) {
    this.outputDir = join(options.workDir, 'out');
    const { command, args } = commandLine(options);
    this.process = ProcessGroup.start({
      command,
      args,
      cwd: options.scene.dir,
      env: sessionEnv(options.workDir, options.sandbox !== null),
      replyChannel: true,
    });
    const replies = this.process.replies;
    if (replies) {
      const lines = createInterface({ input: replies });
      lines.on('line', (line) => this.deliver(line));
      lines.on('close', () => this.deliver(null));
    } else {
      // The program could not be started at all; the first request reports it with the output.
      void this.process.exited.then(() => this.deliver(null));
    }
    void this.process.exited.then(() => (this.dead = true));
    this.ready = this.awaitReady();
    // A failed start is reported by the first request; this keeps it from being an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Starts Blender on the scene. Its work directory must exist (see `prepareWorkDir`). */
  static start(options: BlenderSessionOptions): BlenderSession {
    return new BlenderSession(options);
  }

  static async prepareWorkDir(workDir: string): Promise<void> {
    for (const sub of ['home', 'tmp', 'out']) await mkdir(join(workDir, sub), { recursive: true });
  }

  get sceneDir(): string {
    return this.options.scene.dir;
  }

  get alive(): boolean {
    return !this.dead && this.process.running;
  }

  /** The process group id, for tests that check nothing is left behind. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Output since `mark` (all of it by default), trimmed to the per-tile log limit. */
  log(mark = 0): string {
    return this.process.output.since(mark, RENDER_LOG_LIMIT);
  }

  markLog(): number {
    return this.process.output.mark();
  }

  /** Sends one command and waits for its reply; see the class comment for what kills the session. */
  async request(command: Record<string, unknown>, options: RequestOptions): Promise<DriverReply & { ok: true }> {
    if (this.busy) throw new Error('BlenderSession.request: a command is already running');
    if (options.signal?.aborted) throw new RenderAbortedError('blender render aborted before it started');
    this.busy = true;
    const mark = this.markLog();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const interrupted = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.kill();
          reject(new RenderTimeoutError(`Blender did not finish within ${options.timeoutMs} ms and was killed`, this.log(mark)));
        }, options.timeoutMs);
        onAbort = () => {
          this.kill();
          reject(new RenderAbortedError('blender render aborted'));
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
      });
      return await Promise.race([this.exchange(command), interrupted]);
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
      this.busy = false;
    }
  }

  private async exchange(command: Record<string, unknown>): Promise<DriverReply & { ok: true }> {
    await this.ready;
    const id = this.nextId++;
    this.process.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    const line = await this.nextLine();
    if (line === null) throw await this.exitError('before replying');
    const reply = parseReply(line);
    if (!reply || reply.id !== id) {
      this.kill();
      throw new RenderFailedError(`Blender driver broke the protocol (expected reply ${id}, got ${line.slice(0, 200)})`, this.log());
    }
    if (!reply.ok) {
      // The process may be half-way through a change of state: never reuse it.
      this.kill();
      throw new BlenderCommandError(`Blender failed: ${reply.error}`, this.log(), reply.scene);
    }
    return reply;
  }

  private async awaitReady(): Promise<void> {
    const line = await this.nextLine();
    if (line === null) throw await this.exitError('while loading the scene');
    const message = safeParse(line) as { event?: string; protocol?: string; error?: string } | null;
    if (message?.event === 'ready' && message.protocol === BLENDER_DRIVER_PROTOCOL) return;
    this.kill();
    const why = message?.event === 'error' ? message.error : `unexpected first message ${line.slice(0, 200)}`;
    throw new RenderFailedError(`Blender did not start its driver: ${why}`, this.log());
  }

  private async exitError(when: string): Promise<RenderFailedError> {
    const status = await this.process.exited;
    const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    return new RenderFailedError(`Blender ${how} ${when}`, this.log());
  }

  private deliver(line: string | null): void {
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting(line);
    } else if (line !== null) {
      this.pending.push(line);
    } else {
      this.pending.push('\0closed');
    }
  }

  private nextLine(): Promise<string | null> {
    const queued = this.pending.shift();
    if (queued !== undefined) return Promise.resolve(queued === '\0closed' ? null : queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  kill(): void {
    this.dead = true;
    this.process.kill();
  }

  /** Asks the driver to quit, then kills the group whatever happened, and removes the work directory. */
  async close(): Promise<void> {
    if (this.alive && !this.busy) this.process.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
    const quit = await Promise.race([this.process.exited.then(() => true), delay(2000).then(() => false)]);
    if (!quit) this.kill();
    await this.process.stop();
    await rm(this.options.workDir, { recursive: true, force: true });
  }
}

function commandLine(options: BlenderSessionOptions): { command: string; args: string[] } {
  const { binary, scene, workDir, sandbox, gpu } = options;
  const config = JSON.stringify({ sceneDir: scene.dir, mainFile: scene.mainFile });
  const blenderArgs = [
    '-b', '--factory-startup', '--disable-autoexec', scene.mainFile,
    '--python-exit-code', '1', '--python-expr', BLENDER_DRIVER_SCRIPT, '--', config,
  ];
  if (!sandbox) return tiedToParent(binary, blenderArgs);
  const install = dirname(binary);
  const readOnly = [scene.dir, ...(/^\/(usr|opt)\//.test(install) ? [] : [install])];
  return sandbox.wrap(binary, blenderArgs, { readOnly, writable: [workDir], cwd: scene.dir, tmp: true, gpu });
}

/**
 * A clean environment: Blender must not pick up the worker's secrets, nor an OCIO colour configuration or
 * user scripts that would make its pixels differ from another worker's. GPU runtime variables pass through.
 */
function sessionEnv(workDir: string, sandboxed: boolean): NodeJS.ProcessEnv {
  const home = join(workDir, 'home');
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: home,
    TMPDIR: sandboxed ? '/tmp' : join(workDir, 'tmp'),
    BLENDER_USER_CONFIG: join(home, 'config'),
    BLENDER_USER_SCRIPTS: join(home, 'scripts'),
    BLENDER_USER_DATAFILES: join(home, 'datafiles'),
  };
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(CUDA_|NVIDIA_|HIP_|ROCR_|GPU_DEVICE_ORDINAL$)/.test(key)) env[key] = value;
  }
  return env;
}

function parseReply(line: string): DriverReply | null {
  const value = safeParse(line) as DriverReply | null;
  if (!value || typeof value !== 'object' || typeof value.id !== 'number' || typeof value.ok !== 'boolean') return null;
  if (!value.ok && typeof value.error !== 'string') return null;
  return value;
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

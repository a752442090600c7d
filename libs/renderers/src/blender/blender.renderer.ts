import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodePng } from '@tessera/imaging';
import { SceneWorkspace, type PreparedScene } from '../archive/scene-workspace';
import type { ZipLimits } from '../archive/zip-extract';
import {
  RenderAbortedError,
  RenderFailedError,
  type RenderedTile,
  type Renderer,
  type RenderTileRequest,
  type SceneInfo,
} from '../renderer';
import { blenderBorder, checkRegion } from './blender-border';
import { checkInspectReply, inspectFailure, toSceneInfo } from './blender-scene-info';
import { BlenderSession } from './blender-session';
import { findExecutable } from './process-group';
import { Sandbox } from './sandbox';
import { WarmBlender } from './warm-blender';

const run = promisify(execFile);

/** Cycles devices. `cpu` always works; a GPU kind is used only when asked for, and fails if absent. */
export type BlenderDevice = 'cpu' | 'cuda' | 'optix' | 'hip';

export interface BlenderRendererOptions {
  /** The executable, a path or a name on PATH. Default `blender`. */
  binary?: string;
  /** `warm` (default): long-lived Blender sessions render tile after tile; `cold`: one process per tile. */
  mode?: 'warm' | 'cold';
  /** A tile (including Blender's start in cold mode) that takes longer is killed. Default 30 minutes. */
  tileTimeoutMs?: number;
  /** Reading a scene at upload. Default 2 minutes. */
  inspectTimeoutMs?: number;
  device?: BlenderDevice;
  /** Render threads per Blender process; 0 (default) uses every core. */
  threads?: number;
  /**
   * `auto` (default): bubblewrap when it works here, else Blender runs directly (still with autoexec off);
   * `require`: refuse to run without it; `off`: never.
   */
  sandbox?: 'auto' | 'require' | 'off';
  /** Where prepared scenes and session directories go. Default: a fresh temporary directory. */
  workDir?: string;
  /** Warm sessions kept idle at most. Default 2. */
  maxIdleSessions?: number;
  /** Idle warm sessions are closed after this long. Default 5 minutes. */
  idleTimeoutMs?: number;
  zipLimits?: Partial<ZipLimits>;
}

const DEVICE_KIND: Record<BlenderDevice, string> = { cpu: 'CPU', cuda: 'CUDA', optix: 'OPTIX', hip: 'HIP' };
const MAX_SEED = 2 ** 31 - 1;

/**
 * Blender (Cycles) behind the Renderer interface. A scene is a .blend (plain, gzip or zstd) or a zip holding
 * one with its files (archive/); each tile runs in a Blender session (blender-session.ts) driven by a Python
 * driver (blender-driver.script.ts) that forces reproducible settings; sessions stay warm between tiles of
 * a scene (warm-blender.ts) unless `mode: 'cold'`. Every tile's image is checked (decodes, exact size and
 * depth) before it is returned; a session that produced anything else is killed.
 */
export class BlenderRenderer implements Renderer {
  readonly name = 'blender' as const;
  /** The absolute path of the executable. */
  readonly binary: string;
  /** Why the sandbox is not used, or '' when it is. */
  readonly sandboxNote: string;
  private readonly options: Required<Omit<BlenderRendererOptions, 'workDir' | 'zipLimits' | 'binary'>>;
  private readonly sandbox: Sandbox | null;
  private readonly warm: WarmBlender;
  private rootDir: Promise<string> | undefined;
  private workspaceOnce: Promise<SceneWorkspace> | undefined;
  private versionText: Promise<string> | undefined;
  private tiles = 0;

  /** Throws when no blender executable is found; `detect` is the variant that returns null instead. */
  constructor(private readonly settings: BlenderRendererOptions = {}) {
    const binary = findExecutable(settings.binary ?? 'blender');
    if (!binary) throw new Error(`blender executable not found: ${settings.binary ?? 'blender'} (apt-get install blender)`);
    this.binary = binary;
    this.options = {
      mode: settings.mode ?? 'warm',
      tileTimeoutMs: settings.tileTimeoutMs ?? 30 * 60_000,
      inspectTimeoutMs: settings.inspectTimeoutMs ?? 2 * 60_000,
      device: settings.device ?? 'cpu',
      threads: settings.threads ?? 0,
      sandbox: settings.sandbox ?? 'auto',
      maxIdleSessions: settings.maxIdleSessions ?? 2,
      idleTimeoutMs: settings.idleTimeoutMs ?? 5 * 60_000,
    };
    const { sandbox, note } = chooseSandbox(this.options.sandbox);
    this.sandbox = sandbox;
    this.sandboxNote = note;
    this.warm = new WarmBlender((scene) => this.startSession(scene), {
      maxIdle: this.options.maxIdleSessions,
      idleTimeoutMs: this.options.idleTimeoutMs,
    });
  }

  /** A Blender adapter when a blender executable is found, else null: a missing binary is not an error. */
  static detect(options: BlenderRendererOptions = {}): BlenderRenderer | null {
    return findExecutable(options.binary ?? 'blender') ? new BlenderRenderer(options) : null;
  }

  get mode(): 'warm' | 'cold' {
    return this.options.mode;
  }

  /** The first line of `blender --version`, e.g. `Blender 3.4.1`. */
  version(): Promise<string> {
    this.versionText ??= run(this.binary, ['--version'], { timeout: 60_000, env: { PATH: process.env.PATH, HOME: tmpdir() } }).then(
      ({ stdout }) => stdout.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'Blender (unknown version)',
    );
    this.versionText.catch(() => (this.versionText = undefined));
    return this.versionText;
  }

  async inspect(scenePath: string): Promise<SceneInfo> {
    const version = await this.version();
    return SceneWorkspace.temporary(async (workspace) => {
      const scene = await workspace.prepare(scenePath, 'blend');
      const session = await this.startSession(scene);
      try {
        const reply = await session.request({ op: 'inspect' }, { timeoutMs: this.options.inspectTimeoutMs });
        return toSceneInfo(checkInspectReply(reply), scene, version);
      } catch (error) {
        throw inspectFailure(error, scene);
      } finally {
        await session.close();
      }
    }, this.settings.zipLimits);
  }

  async renderTile(request: RenderTileRequest): Promise<RenderedTile> {
    checkRequest(request);
    if (request.signal.aborted) throw new RenderAbortedError('blender render aborted before it started');
    const scene = await (await this.workspace()).prepare(request.scenePath, 'blend');
    if (this.options.mode === 'warm') return this.warm.use(scene, (session) => this.renderOn(session, request, false));
    const session = await this.startSession(scene);
    try {
      return await this.renderOn(session, request, true);
    } finally {
      await session.close();
    }
  }

  /** Kills every Blender this adapter started and removes its temporary files. */
  async close(): Promise<void> {
    await this.warm.close();
    const root = this.rootDir;
    this.rootDir = this.workspaceOnce = undefined;
    if (root && !this.settings.workDir) await rm(await root, { recursive: true, force: true });
  }

  private async renderOn(session: BlenderSession, request: RenderTileRequest, cold: boolean): Promise<RenderedTile> {
    const { frame, width, height, region, samples, seed, bitDepth, signal } = request;
    const output = join(session.outputDir, `tile-${++this.tiles}.png`);
    const mark = cold ? 0 : session.markLog();
    const command = {
      op: 'render',
      frame,
      width,
      height,
      border: blenderBorder(region, width, height),
      samples,
      seed,
      bitDepth,
      output,
      device: DEVICE_KIND[this.options.device],
      threads: this.options.threads,
    };
    const reply = await session.request(command, { timeoutMs: this.options.tileTimeoutMs, signal });
    const log = session.log(mark);
    const png = await readFile(output).catch(() => {
      throw new RenderFailedError('Blender reported a finished tile but wrote no image', log);
    });
    await rm(output, { force: true });
    await checkTile(png, request, log);
    return { png, device: String(reply.device), log };
  }

  /** The work directory, made on first use: an adapter that never renders leaves nothing on disk. */
  private root(): Promise<string> {
    this.rootDir ??= this.settings.workDir
      ? mkdir(this.settings.workDir, { recursive: true, mode: 0o700 }).then(() => this.settings.workDir!)
      : mkdtemp(join(tmpdir(), 'tessera-blender-'));
    return this.rootDir;
  }

  private workspace(): Promise<SceneWorkspace> {
    this.workspaceOnce ??= this.root().then((root) => new SceneWorkspace(join(root, 'scenes'), this.settings.zipLimits));
    return this.workspaceOnce;
  }

  private async startSession(scene: PreparedScene): Promise<BlenderSession> {
    const workDir = join(await this.root(), 'sessions', randomUUID());
    await BlenderSession.prepareWorkDir(workDir);
    return BlenderSession.start({ binary: this.binary, scene, workDir, sandbox: this.sandbox, gpu: this.options.device !== 'cpu' });
  }
}

function chooseSandbox(mode: 'auto' | 'require' | 'off'): { sandbox: Sandbox | null; note: string } {
  if (mode === 'off') return { sandbox: null, note: 'sandbox turned off' };
  const { sandbox, reason } = Sandbox.detect();
  if (!sandbox && mode === 'require') throw new Error(`Blender sandbox required but unavailable: ${reason}`);
  return { sandbox, note: reason };
}

function checkRequest(request: RenderTileRequest): void {
  const { frame, width, height, region, samples, seed, bitDepth } = request;
  checkRegion(region, width, height);
  if (!Number.isSafeInteger(frame)) throw new RangeError(`frame must be an integer, got ${frame}`);
  if (!Number.isSafeInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer, got ${samples}`);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
  if (bitDepth !== 8 && bitDepth !== 16) throw new RangeError(`bitDepth must be 8 or 16, got ${String(bitDepth)}`);
}

/** A tile is what was asked for, or the session that made it is not trusted again (the caller kills it). */
async function checkTile(png: Buffer, request: RenderTileRequest, log: string): Promise<void> {
  const { region, bitDepth } = request;
  let image;
  try {
    image = await decodePng(png);
  } catch (error) {
    throw new RenderFailedError(`Blender wrote an image that does not decode: ${(error as Error).message}`, log);
  }
  if (image.width !== region.width || image.height !== region.height || image.bitDepth !== bitDepth) {
    throw new RenderFailedError(
      `Blender wrote a ${image.width}x${image.height} ${image.bitDepth}-bit image; the tile is ${region.width}x${region.height} at ${bitDepth} bits`,
      log,
    );
  }
}

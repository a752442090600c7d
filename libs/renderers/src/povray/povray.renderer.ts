import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Region } from '@tessera/contracts';
import { decodePng, encodePng, type DecodedImage } from '@tessera/imaging';
import { SceneWorkspace, type PreparedScene } from '../archive/scene-workspace';
import type { ZipLimits } from '../archive/zip-extract';
import { checkRegion } from '../blender/blender-border';
import { findExecutable, ProcessGroup } from '../blender/process-group';
import { Sandbox } from '../blender/sandbox';
import { RENDER_LOG_LIMIT, RenderAbortedError, RenderFailedError, SceneError, type RenderedTile, type Renderer, type RenderTileRequest, type SceneInfo } from '../renderer';
import { antialiasArgs, frameArgs, POVRAY_DEFAULT_SAMPLES, readPovraySettings, subsetArgs, workingDirectory, type PovraySettings } from './povray-scene';

const run = promisify(execFile);

export interface PovrayRendererOptions {
  /** The executable, a path or a name on PATH. Default `povray`. */
  binary?: string;
  /** A tile that takes longer is killed. Default 30 minutes. */
  tileTimeoutMs?: number;
  /** Parsing a scene at upload. Default 2 minutes. */
  inspectTimeoutMs?: number;
  /** Render threads (`+WT`); 0 (default) lets POV-Ray use every core. */
  threads?: number;
  /**
   * `require` (default): POV-Ray runs only inside the bubblewrap sandbox, because its own file I/O
   * restrictions do not work (see sandbox.ts); `off`: run it directly, for trusted scenes only.
   */
  sandbox?: 'require' | 'off';
  /** Where prepared scenes and tile outputs go. Default: a fresh temporary directory. */
  workDir?: string;
  zipLimits?: Partial<ZipLimits>;
}

interface PovrayRun {
  scene: PreparedScene;
  settings: PovraySettings;
  width: number;
  height: number;
  frame: number;
  samples: number;
  bitDepth: 8 | 16;
  subset: string[];
  signal?: AbortSignal;
  timeoutMs: number;
}

/**
 * POV-Ray 3.7 behind the Renderer interface. A scene is a .pov, or a zip with one top-level .pov, its
 * includes and an optional INI (povray-scene.ts). Each tile is one POV-Ray process in the bubblewrap
 * sandbox, rendering the tile's region widened to POV-Ray's block grid, cropped to the tile afterwards: the
 * stitched tiles equal POV-Ray's own full-frame render bit for bit (measured and tested).
 */
export class PovrayRenderer implements Renderer {
  readonly name = 'povray' as const;
  readonly binary: string;
  private readonly sandbox: Sandbox | null;
  private readonly libraryPaths: string[];
  private rootDir: Promise<string> | undefined;
  private workspaceOnce: Promise<SceneWorkspace> | undefined;
  private readonly running = new Set<ProcessGroup>();
  private versionText: Promise<string> | undefined;

  /** Throws when POV-Ray is not installed or the sandbox it needs is unavailable; see `detect`. */
  constructor(private readonly options: PovrayRendererOptions = {}) {
    const binary = findExecutable(options.binary ?? 'povray');
    if (!binary) throw new Error(`povray executable not found: ${options.binary ?? 'povray'} (apt-get install povray)`);
    this.binary = binary;
    if ((options.sandbox ?? 'require') === 'require') {
      const { sandbox, reason } = Sandbox.detect();
      if (!sandbox) throw new Error(`POV-Ray needs the bubblewrap sandbox, which is unavailable: ${reason}`);
      this.sandbox = sandbox;
    } else {
      this.sandbox = null;
    }
    this.libraryPaths = includeDirectories(binary);
  }

  /** The adapter when POV-Ray can run safely here, else null and why (not installed, no sandbox). */
  static detect(options: PovrayRendererOptions = {}): { renderer: PovrayRenderer | null; reason: string } {
    try {
      return { renderer: new PovrayRenderer(options), reason: '' };
    } catch (error) {
      return { renderer: null, reason: (error as Error).message };
    }
  }

  /** The line of `povray --version` that names it, e.g. `POV-Ray 3.7.0.10.unofficial`. */
  version(): Promise<string> {
    this.versionText ??= run(this.binary, ['--version'], { timeout: 30_000, env: { PATH: process.env.PATH, HOME: tmpdir() } }).then(
      ({ stdout, stderr }) => `${stdout}\n${stderr}`.split('\n').find((line) => /^POV-Ray \d/.test(line.trim()))?.trim() ?? 'POV-Ray (unknown version)',
    );
    this.versionText.catch(() => (this.versionText = undefined));
    return this.versionText;
  }

  /**
   * Reads the scene's INI (see povray-scene.ts) and parses the scene by rendering one block of its first
   * frame: a syntax error, a missing include or a forbidden file access is a SceneError at upload.
   */
  async inspect(scenePath: string): Promise<SceneInfo> {
    const version = await this.version();
    return SceneWorkspace.temporary(async (workspace) => {
      const scene = await workspace.prepare(scenePath, 'pov');
      const settings = await readPovraySettings(scene);
      const frame = settings.animation?.initialFrame ?? 1;
      const { args } = subsetArgs({ x: 0, y: 0, width: 1, height: 1 }, settings.width, settings.height);
      try {
        await this.render({ scene, settings, width: settings.width, height: settings.height, frame, samples: 1, bitDepth: 8, subset: args, timeoutMs: this.options.inspectTimeoutMs ?? 120_000 });
      } catch (error) {
        if (error instanceof RenderFailedError) throw new SceneError(`POV-Ray cannot render the scene: ${errorLines(error.log) || error.message.split('\n')[0]}`);
        throw error;
      }
      return sceneInfo(settings, scene, version);
    }, this.options.zipLimits);
  }

  async renderTile(request: RenderTileRequest): Promise<RenderedTile> {
    const { frame, width, height, region, samples, bitDepth, signal } = request;
    checkRegion(region, width, height);
    if (!Number.isSafeInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer, got ${samples}`);
    if (bitDepth !== 8 && bitDepth !== 16) throw new RangeError(`bitDepth must be 8 or 16, got ${String(bitDepth)}`);
    if (signal.aborted) throw new RenderAbortedError('POV-Ray render aborted before it started');
    const scene = await (await this.workspace()).prepare(request.scenePath, 'pov');
    const settings = await readPovraySettings(scene);
    const { args, rendered } = subsetArgs(region, width, height);
    const timeoutMs = this.options.tileTimeoutMs ?? 30 * 60_000;
    const { image, log } = await this.render({ scene, settings, width, height, frame, samples, bitDepth, subset: args, signal, timeoutMs });
    const png = await encodePng(crop(image, region, { width, height }, rendered, log), bitDepth);
    return { png, device: 'cpu', log };
  }

  /** Stops every POV-Ray still running and removes the temporary files. */
  async close(): Promise<void> {
    await Promise.all([...this.running].map((group) => group.stop()));
    const root = this.rootDir;
    this.rootDir = this.workspaceOnce = undefined;
    if (root && !this.options.workDir) await rm(await root, { recursive: true, force: true });
  }

  /** The work directory, made on first use: an adapter that never renders leaves nothing on disk. */
  private root(): Promise<string> {
    this.rootDir ??= this.options.workDir
      ? mkdir(this.options.workDir, { recursive: true, mode: 0o700 }).then(() => this.options.workDir!)
      : mkdtemp(join(tmpdir(), 'tessera-povray-'));
    return this.rootDir;
  }

  private workspace(): Promise<SceneWorkspace> {
    this.workspaceOnce ??= this.root().then((root) => new SceneWorkspace(join(root, 'scenes'), this.options.zipLimits));
    return this.workspaceOnce;
  }

  private async render(job: PovrayRun): Promise<{ image: DecodedImage; log: string }> {
    const outDir = join(await this.root(), 'tiles', randomUUID());
    await mkdir(outDir, { recursive: true });
    try {
      // POV-Ray reads POVINI instead of ./povray.ini: the scene's own INI files never reach it.
      const ini = join(outDir, 'tessera.ini');
      await writeFile(ini, this.libraryPaths.map((path) => `Library_Path="${path}"\n`).join(''));
      const args = [
        `+I${basename(job.scene.mainFile)}`, `+O${join(outDir, 'tile.png')}`, `+W${job.width}`, `+H${job.height}`,
        job.bitDepth === 16 ? '+FN16' : '+FN8', '-UA', '-D', '-P', '-X',
        ...antialiasArgs(job.samples), ...frameArgs(job.settings, job.frame), ...job.subset,
        ...(this.options.threads ? [`+WT${this.options.threads}`] : []),
      ];
      const cwd = workingDirectory(job.scene);
      const command = this.sandbox
        ? this.sandbox.wrap(this.binary, args, { readOnly: [job.scene.dir], writable: [outDir], cwd, tmp: false, gpu: false })
        : { command: this.binary, args };
      const group = ProcessGroup.start({ ...command, cwd, env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: outDir, POVINI: ini } });
      this.running.add(group);
      try {
        const status = await group.finish('POV-Ray', { timeoutMs: job.timeoutMs, signal: job.signal });
        const log = group.output.since(0, RENDER_LOG_LIMIT);
        if (status.code !== 0) {
          const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
          throw new RenderFailedError(`POV-Ray ${how}: ${errorLines(log) || 'no error message'}`, log);
        }
        const output = (await readdir(outDir)).filter((name) => name.endsWith('.png'));
        if (output.length !== 1) throw new RenderFailedError(`POV-Ray wrote ${output.length} images instead of one`, log);
        return { image: await decodePng(await readFile(join(outDir, output[0]))), log };
      } finally {
        this.running.delete(group);
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }
}

/**
 * The tile out of POV-Ray's image. POV-Ray 3.7 writes a subset render as a full-frame image, black outside
 * the subset (measured); an image of just the rendered subset is taken as well, should a build do that.
 */
function crop(image: DecodedImage, region: Region, frame: { width: number; height: number }, rendered: Region, log: string) {
  let origin: { x: number; y: number };
  if (image.width === frame.width && image.height === frame.height) origin = { x: 0, y: 0 };
  else if (image.width === rendered.width && image.height === rendered.height) origin = { x: rendered.x, y: rendered.y };
  else throw new RenderFailedError(`POV-Ray wrote a ${image.width}x${image.height} image for a ${frame.width}x${frame.height} frame`, log);
  const pixel = image.channels * (image.bitDepth / 8);
  const data = Buffer.alloc(region.width * region.height * pixel);
  for (let row = 0; row < region.height; row++) {
    const from = ((region.y - origin.y + row) * image.width + (region.x - origin.x)) * pixel;
    image.data.copy(data, row * region.width * pixel, from, from + region.width * pixel);
  }
  return { data, width: region.width, height: region.height, channels: image.channels };
}

function sceneInfo(settings: PovraySettings, scene: PreparedScene, version: string): SceneInfo {
  const animation = settings.animation;
  const notes = [version];
  if (scene.packaging === 'zip') notes.push(`zip with ${scene.files.length} file(s), scene "${scene.mainRelative}"`);
  notes.push(settings.ini ? `settings from ${settings.ini}` : `no INI: a still at ${settings.width}x${settings.height} (add <scene>.ini to a zip for resolution and animation)`);
  if (animation) notes.push(`animation: frames ${animation.initialFrame}-${animation.finalFrame}, clock ${animation.initialClock} to ${animation.finalClock}${animation.cyclic ? ' (cyclic)' : ''}`);
  notes.push(...settings.notes);
  return {
    frameStart: animation?.initialFrame ?? 1,
    frameEnd: animation?.finalFrame ?? 1,
    width: settings.width,
    height: settings.height,
    samples: POVRAY_DEFAULT_SAMPLES,
    notes,
    missingFiles: [],
  };
}

/** POV-Ray's own error lines (not its "Possible Parse Error" warnings), for messages. */
function errorLines(log: string): string {
  return log
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /(Parse Error|Fatal error|Error:)/.test(line) && !/Possible Parse Error/.test(line))
    .slice(0, 5)
    .join('; ');
}

/** `<prefix>/share/povray-X.Y/include` and its parent, where the standard include files live. */
function includeDirectories(binary: string): string[] {
  const prefix = dirname(dirname(realpathSync(binary)));
  const share = join(prefix, 'share');
  if (!existsSync(share)) return [];
  return readdirSync(share)
    .filter((name) => /^povray-\d/.test(name))
    .flatMap((name) => [join(share, name), join(share, name, 'include')])
    .filter((dir) => existsSync(dir));
}

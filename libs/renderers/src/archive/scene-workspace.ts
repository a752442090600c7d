import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, mkdtemp, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { SceneError } from '../renderer';
import { describeSceneKind, detectSceneKind, isBlendKind, type SceneKind } from './scene-kind';
import { extractZip, type ZipLimits } from './zip-extract';

/** The scene languages Tessera renders from files: Blender's .blend and POV-Ray's .pov. */
export type SceneFormat = 'blend' | 'pov';

/** A scene laid out in a directory of its own, ready for a renderer. */
export interface PreparedScene {
  /** The scene's own directory: the .blend or .pov and whatever the archive held next to it. */
  dir: string;
  /** The file to open, inside `dir`. */
  mainFile: string;
  /** The main file's path relative to `dir`, `/`-separated. */
  mainRelative: string;
  /** What the uploaded file was: the scene itself, or a zip holding it. */
  packaging: 'file' | 'zip';
  /** Every file in `dir`, relative and `/`-separated. */
  files: string[];
}

const MAIN_NAME: Record<SceneFormat, string> = { blend: 'scene.blend', pov: 'scene.pov' };
const MARKER = 'scene.json';

/**
 * Turns a scene file as uploaded (a .blend, a .pov, or a zip holding one with its textures and includes)
 * into a directory of its own. A directory per scene is what keeps scenes apart: renderers run with it
 * as their only readable scene data, and its relative paths (`//textures/...` in Blender, `#include` in
 * POV-Ray) resolve inside it.
 *
 * Prepared scenes are cached under `root`, keyed by the file's identity (real path, size, mtime, inode):
 * workers keep scene files immutable under their hash, so a scene is extracted once and then reused by
 * every tile. A directory appears under its final name by one rename, complete or not at all.
 */
export class SceneWorkspace {
  private readonly inFlight = new Map<string, Promise<PreparedScene>>();

  constructor(
    private readonly root: string,
    private readonly limits: Partial<ZipLimits> = {},
  ) {}

  /** A workspace in a fresh temporary directory, for one-off work such as inspecting an upload. */
  static async temporary<T>(work: (workspace: SceneWorkspace) => Promise<T>, limits: Partial<ZipLimits> = {}): Promise<T> {
    const root = await mkdtemp(join(tmpdir(), 'tessera-scene-'));
    try {
      return await work(new SceneWorkspace(root, limits));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  async prepare(scenePath: string, format: SceneFormat): Promise<PreparedScene> {
    const key = await identity(scenePath, format);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.prepareOnce(scenePath, format, join(this.root, key)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async prepareOnce(scenePath: string, format: SceneFormat, target: string): Promise<PreparedScene> {
    const existing = await readMarker(target);
    if (existing) return existing;
    await mkdir(this.root, { recursive: true });
    const partial = `${target}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(partial);
      const layout = await layOut(scenePath, format, join(partial, 'files'), this.limits);
      await writeFile(join(partial, MARKER), JSON.stringify(layout));
      try {
        await rename(partial, target);
      } catch (error) {
        // Another process prepared the same scene first: use theirs.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      }
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    const prepared = await readMarker(target);
    if (!prepared) throw new Error(`scene directory ${target} vanished while it was being prepared`);
    return prepared;
  }
}

interface Layout {
  mainRelative: string;
  packaging: 'file' | 'zip';
  files: string[];
}

async function layOut(scenePath: string, format: SceneFormat, dir: string, limits: Partial<ZipLimits>): Promise<Layout> {
  const kind = await detectSceneKind(scenePath);
  if (kind === 'zip') {
    let mainRelative = '';
    const files = await extractZip(scenePath, dir, { limits, check: (names) => (mainRelative = findMainFile(names, format)) });
    await checkMainFile(join(dir, ...mainRelative.split('/')), format, `"${mainRelative}" in the zip`);
    return { mainRelative, packaging: 'zip', files };
  }
  checkKind(kind, format, 'the scene');
  await mkdir(dir);
  // The artist's file name where it has the right extension (an upload), so messages name their file;
  // otherwise (a worker's cache names files by hash) a fixed one, since Blender and POV-Ray want extensions.
  const own = basename(scenePath);
  const name = own.toLowerCase().endsWith(`.${format}`) && !own.startsWith('.') ? own : MAIN_NAME[format];
  const main = join(dir, name);
  // A hard link costs nothing and the source never changes; across file systems, copy.
  await link(scenePath, main).catch(() => copyFile(scenePath, main));
  return { mainRelative: name, packaging: 'file', files: [name] };
}

/**
 * Which file of an archive is the scene. Blender: exactly one `.blend` anywhere (libraries it links would
 * be further .blend files, which Tessera does not take yet). POV-Ray: exactly one `.pov` at the top level,
 * where the top level is the archive's root or, when everything sits in one folder, that folder.
 */
export function findMainFile(files: string[], format: SceneFormat): string {
  if (format === 'blend') {
    const blends = files.filter((f) => f.toLowerCase().endsWith('.blend'));
    if (blends.length !== 1) throw new SceneError(`zip must hold exactly one .blend file; it holds ${describeList(blends)}`);
    return blends[0];
  }
  const top = commonFolder(files);
  const povs = files.filter((f) => f.toLowerCase().endsWith('.pov') && posix.dirname(f) === (top || '.'));
  if (povs.length !== 1) {
    const where = top ? `the top level of the zip (its folder "${top}")` : 'the top level of the zip';
    throw new SceneError(`zip must hold exactly one .pov file at ${where}; it holds ${describeList(povs)}`);
  }
  return povs[0];
}

/** The one folder every file sits in, or '' when files sit at the root or in several folders. */
function commonFolder(files: string[]): string {
  const firsts = new Set(files.map((f) => (f.includes('/') ? f.split('/')[0] : '')));
  return firsts.size === 1 && !firsts.has('') ? [...firsts][0] : '';
}

function describeList(names: string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, 5).join(', ');
  return `${names.length} (${shown}${names.length > 5 ? ', ...' : ''})`;
}

async function checkMainFile(path: string, format: SceneFormat, what: string): Promise<void> {
  checkKind(await detectSceneKind(path), format, what);
}

function checkKind(kind: SceneKind, format: SceneFormat, what: string): void {
  if (format === 'blend' && !isBlendKind(kind)) {
    throw new SceneError(`${what} is not a .blend file (no BLENDER header, also not a gzip- or zstd-compressed one): it looks like ${describeSceneKind(kind)}`);
  }
  if (format === 'pov' && kind !== 'text') {
    throw new SceneError(`${what} is not a POV-Ray scene (a text file, or a zip holding one .pov): it looks like ${describeSceneKind(kind)}`);
  }
}

/** A name for the scene file as it is now: any change to it gives a new name, so a stale directory is never used. */
async function identity(scenePath: string, format: SceneFormat): Promise<string> {
  const real = await realpath(scenePath);
  const info = await stat(real);
  const text = [real, info.size, info.mtimeMs, info.ino, format].join('\0');
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

async function readMarker(target: string): Promise<PreparedScene | null> {
  let layout: Layout;
  try {
    layout = JSON.parse(await readFile(join(target, MARKER), 'utf8')) as Layout;
  } catch {
    return null;
  }
  const dir = join(target, 'files');
  return { ...layout, dir, mainFile: join(dir, ...layout.mainRelative.split('/')) };
}

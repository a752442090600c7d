import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from './process-group';

const run = promisify(execFile);

/** Where the example is built, relative to the repository root (git-ignored). */
export const BLENDER_EXAMPLE_BUILD_DIR = join('examples', 'blender', 'build');
export const BLENDER_EXAMPLE_FILE = 'example.blend';
const SCRIPT = join('examples', 'blender', 'make-example.py');

const building = new Map<string, Promise<string>>();

/**
 * Builds Tessera's Blender example (examples/blender/make-example.py, run through Blender itself: nothing
 * is downloaded) into `dir`, by default `examples/blender/build/`, and returns the .blend's path. Built once:
 * an existing file newer than the script is reused. The file appears by one rename, so concurrent callers
 * (parallel test files) never see half of it. Throws when no blender is installed.
 */
export async function ensureBlenderExample(dir?: string, binary = 'blender'): Promise<string> {
  const root = repositoryRoot();
  const target = join(resolve(dir ?? join(root, BLENDER_EXAMPLE_BUILD_DIR)), BLENDER_EXAMPLE_FILE);
  let pending = building.get(target);
  if (!pending) {
    pending = build(join(root, SCRIPT), target, binary).finally(() => building.delete(target));
    building.set(target, pending);
  }
  return pending;
}

async function build(script: string, target: string, binary: string): Promise<string> {
  const scriptTime = (await stat(script)).mtimeMs;
  const built = await stat(target).then((s) => s.mtimeMs, () => -1);
  if (built >= scriptTime) return target;
  const blender = findExecutable(binary);
  if (!blender) throw new Error(`cannot build the Blender example: ${binary} is not installed (apt-get install blender)`);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.${Date.now()}.partial.blend`;
  try {
    await run(blender, ['-b', '--factory-startup', '--disable-autoexec', '--python-exit-code', '1', '-P', script, '--', partial], {
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(partial, target);
  } catch (error) {
    const output = (error as { stderr?: string; stdout?: string }).stderr || (error as { stdout?: string }).stdout || '';
    throw new Error(`building the Blender example failed: ${(error as Error).message}\n${output.slice(-4000)}`);
  } finally {
    await rm(partial, { force: true });
  }
  return target;
}

/** The checkout's root: the nearest parent holding examples/blender/make-example.py (source or dist). */
export function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, SCRIPT))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find ${SCRIPT} above ${__dirname}`);
  }
}

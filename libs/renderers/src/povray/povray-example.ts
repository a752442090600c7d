import { readFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildZip } from '../archive/zip-writer';
import { repositoryRoot } from '../blender/blender-example';

/** Where the packaged POV-Ray example goes, relative to the repository root (git-ignored). */
export const POVRAY_EXAMPLE_BUILD_DIR = join('examples', 'povray', 'build');
export const POVRAY_EXAMPLE_FILE = 'orbit.zip';
const SOURCES = ['orbit.pov', 'orbit.ini'];

/**
 * Packages Tessera's POV-Ray example (examples/povray/orbit.pov with orbit.ini, which declares 640x360 and
 * frames 1-24) as one zip for upload, by default into `examples/povray/build/`, and returns its path.
 * The zip's bytes depend only on the sources, so rebuilding it every call is cheap and always current; it
 * appears by one rename.
 */
export async function ensurePovrayExample(dir?: string): Promise<string> {
  const root = repositoryRoot();
  const target = join(resolve(dir ?? join(root, POVRAY_EXAMPLE_BUILD_DIR)), POVRAY_EXAMPLE_FILE);
  const entries = await Promise.all(SOURCES.map(async (name) => ({ name, data: await readFile(join(root, 'examples', 'povray', name)) })));
  const bytes = buildZip(entries);
  const existing = await readFile(target).catch(() => null);
  if (existing?.equals(bytes)) return target;
  await mkdir(resolve(target, '..'), { recursive: true });
  const partial = `${target}.${process.pid}.${Date.now()}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return target;
}

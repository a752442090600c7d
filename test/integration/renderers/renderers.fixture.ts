import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { RenderTileRequest } from '@tessera/renderers';

const run = promisify(execFile);

/** True when `name` is an executable on PATH. */
export function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * `describe` for a suite that needs a renderer binary. A missing binary fails the suite with what to install:
 * `npm test` installs Blender, POV-Ray and bubblewrap (scripts/bootstrap.sh), and a skipped renderer suite would
 * hide a broken install.
 */
export function describeWithBinary(binary: string, name: string, body: () => void): void {
  if (!onPath(binary)) {
    throw new Error(`${binary} is not installed: run \`bash scripts/bootstrap.sh\` (apt-get install ${binary === 'bwrap' ? 'bubblewrap' : binary})`);
  }
  describe(name, body);
}

export function tileRequest(scenePath: string, overrides: Partial<RenderTileRequest> = {}): RenderTileRequest {
  return {
    scenePath,
    frame: 1,
    width: 64,
    height: 36,
    region: { x: 0, y: 0, width: 64, height: 36 },
    samples: 4,
    seed: 0,
    bitDepth: 8,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Runs a Python script in a throwaway Blender (factory settings) to build a test .blend. */
export async function runBlenderPython(script: string, args: string[]): Promise<string> {
  const { stdout } = await run('blender', ['-b', '--factory-startup', '--python-exit-code', '1', '--python-expr', script, '--', ...args], {
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Builds a .blend with a text block registered to run on load, which writes `marker` when it runs. */
export async function buildAutoexecBlend(out: string, marker: string): Promise<void> {
  await runBlenderPython(
    `
import bpy, sys
marker, out = sys.argv[sys.argv.index("--") + 1:]
text = bpy.data.texts.new("tessera_autoexec_probe.py")
text.from_string("open(" + repr(marker) + ", 'w').write('autoexec ran')\\n")
text.use_module = True
bpy.context.scene.render.engine = "CYCLES"
bpy.context.scene.cycles.samples = 1
bpy.ops.wm.save_as_mainfile(filepath=out)
`,
    [marker, out],
  );
}

/**
 * Builds a .blend (the factory cube) whose material uses two image files that do not exist: one in the
 * scene's directory (`//textures/missing.png`) and one outside it (an absolute path).
 */
export async function buildMissingTextureBlend(out: string, outsidePath: string): Promise<void> {
  await runBlenderPython(
    `
import bpy, sys
outside, out = sys.argv[sys.argv.index("--") + 1:]
mat = bpy.data.materials.new("Textured")
mat.use_nodes = True
nodes = mat.node_tree.nodes
for name, path in (("missing", "//textures/missing.png"), ("outside", outside)):
    image = bpy.data.images.new(name, 4, 4)
    image.source = "FILE"
    image.filepath = path
    node = nodes.new("ShaderNodeTexImage")
    node.image = image
mat.node_tree.links.new(nodes[-1].outputs["Color"], nodes["Principled BSDF"].inputs["Base Color"])
bpy.data.objects["Cube"].data.materials.append(mat)
# relative_remap off: keep the absolute path as an artist's file on another machine would have it.
bpy.ops.wm.save_as_mainfile(filepath=out, relative_remap=False)
`,
    [outsidePath, out],
  );
}

/** Processes whose command line mentions `needle` (a unique directory of one test), from /proc. */
export function processesMentioning(needle: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(needle)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Builds a .blend whose cube glows with the colour of the image at `imagePath`, an absolute path outside
 * the scene: a render that shows that colour has read a file of the worker's.
 */
export async function buildImageProbeBlend(out: string, imagePath: string): Promise<void> {
  await runBlenderPython(
    `
import bpy, sys
image_path, out = sys.argv[sys.argv.index("--") + 1:]
scene = bpy.context.scene
scene.render.engine = "CYCLES"
scene.view_settings.view_transform = "Standard"
mat = bpy.data.materials.new("Probe")
mat.use_nodes = True
nodes, links = mat.node_tree.nodes, mat.node_tree.links
nodes.remove(nodes["Principled BSDF"])
image = nodes.new("ShaderNodeTexImage")
image.image = bpy.data.images.load(image_path)
emission = nodes.new("ShaderNodeEmission")
links.new(image.outputs["Color"], emission.inputs["Color"])
links.new(emission.outputs["Emission"], nodes["Material Output"].inputs["Surface"])
cube = bpy.data.objects["Cube"].data
cube.materials.clear()
cube.materials.append(mat)
scene.cycles.samples = 2
scene.cycles.use_denoising = False
scene.render.resolution_x, scene.render.resolution_y = 64, 36
scene.render.dither_intensity = 0
bpy.ops.wm.save_as_mainfile(filepath=out, relative_remap=False)
`,
    [imagePath, out],
  );
}

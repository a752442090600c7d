import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decodePng } from '@tessera/imaging';
import {
  BlenderRenderer,
  ensureBlenderExample,
  RenderAbortedError,
  RenderTimeoutError,
  type BlenderRendererOptions,
} from '@tessera/renderers';
import {
  buildAutoexecBlend,
  buildImageProbeBlend,
  describeWithBinary,
  eventually,
  onPath,
  processesMentioning,
  tileRequest,
} from './renderers.fixture';

// Every test starts real renderer processes; on a busy 2-core machine one Blender start takes seconds.
jest.setTimeout(60_000);

const run = promisify(execFile);

describeWithBinary('blender', `${BlenderRenderer.name} security and process control`, () => {
  let example: string;
  let dir: string;
  const renderers: BlenderRenderer[] = [];

  beforeAll(async () => {
    example = await ensureBlenderExample();
    dir = mkdtempSync(join(tmpdir(), 'tessera-blender-sec-'));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(renderers.map((r) => r.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A renderer with a work directory of its own: its path marks every process it starts. */
  function renderer(name: string, options: BlenderRendererOptions = {}): { renderer: BlenderRenderer; marker: string } {
    const workDir = join(dir, name);
    const created = new BlenderRenderer({ workDir, ...options });
    renderers.push(created);
    return { renderer: created, marker: workDir };
  }

  /** A tile that takes minutes: the whole example frame at 4000 samples. */
  const slowTile = (signal?: AbortSignal) =>
    tileRequest(example, {
      frame: 1,
      width: 640,
      height: 360,
      region: { x: 0, y: 0, width: 640, height: 360 },
      samples: 4000,
      ...(signal ? { signal } : {}),
    });

  describe('a .blend with a text block registered to run on load', () => {
    let blend: string;
    let marker: string;
    beforeAll(async () => {
      blend = join(dir, 'autoexec.blend');
      marker = join(dir, 'autoexec-ran.txt');
      await buildAutoexecBlend(blend, marker);
    }, 60_000);

    it('really runs with auto-execution enabled (the control)', async () => {
      const control = join(dir, 'control-ran.txt');
      const controlBlend = join(dir, 'control.blend');
      await buildAutoexecBlend(controlBlend, control);
      await run('blender', ['-b', '--factory-startup', '--enable-autoexec', controlBlend, '--python-expr', 'pass'], { timeout: 60_000 });
      expect(existsSync(control)).toBe(true);
    }, 60_000);

    it.each(['off', 'auto'] as const)('never runs on inspect or render (sandbox %s)', async (sandbox) => {
      const { renderer: blender } = renderer(`autoexec-${sandbox}`, { sandbox, mode: 'cold' });
      await blender.inspect(blend);
      await blender.renderTile(tileRequest(blend, { samples: 1, region: { x: 0, y: 0, width: 16, height: 16 } }));
      expect(existsSync(marker)).toBe(false);
    }, 60_000);
  });

  it.each(['off', 'auto'] as const)('does not let a scene read an image of the worker by absolute path (sandbox %s)', async (sandbox) => {
    const secret = join(dir, `secret-${sandbox}.png`);
    await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(secret);
    const blend = join(dir, `probe-${sandbox}.blend`);
    await buildImageProbeBlend(blend, secret);
    const centre = async (png: Buffer, width: number, height: number) => {
      const { data, channels } = await decodePng(png);
      const at = (Math.floor(height / 2) * width + Math.floor(width / 2)) * channels;
      return { r: data[at], g: data[at + 1], b: data[at + 2] };
    };
    // The control: Blender on its own shows the secret image's red.
    const out = join(dir, `probe-${sandbox}-`);
    await run('blender', ['-b', '--factory-startup', '--disable-autoexec', blend, '-o', `${out}#`, '-F', 'PNG', '-f', '1'], { timeout: 60_000 });
    expect(await centre(readFileSync(`${out}1.png`), 64, 36)).toEqual({ r: 255, g: 0, b: 0 });

    const { renderer: blender } = renderer(`probe-${sandbox}`, { sandbox, mode: 'cold' });
    const tile = await blender.renderTile(tileRequest(blend, { width: 64, height: 36, samples: 2, region: { x: 24, y: 10, width: 16, height: 16 } }));
    // Through Tessera the file is out of reach, and Cycles shows a file it cannot read as magenta.
    expect(await centre(tile.png, 16, 16)).toEqual({ r: 255, g: 0, b: 255 });
  }, 60_000);

  describe.each(['warm', 'cold'] as const)('%s', (mode) => {
    it('kills the whole process group when the render is aborted: no Blender is left', async () => {
      const { renderer: blender, marker } = renderer(`abort-${mode}`, { mode });
      const controller = new AbortController();
      const render = blender.renderTile(slowTile(controller.signal));
      expect(await eventually(() => processesMentioning(marker).length > 0, 10_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const abortedAt = Date.now();
      controller.abort();
      await expect(render).rejects.toBeInstanceOf(RenderAbortedError);
      expect(Date.now() - abortedAt).toBeLessThan(1000);
      expect(await eventually(() => processesMentioning(marker).length === 0, 5000)).toBe(true);
    }, 60_000);

    it('kills a tile that runs past its time limit and reports it with the log', async () => {
      const { renderer: blender, marker } = renderer(`timeout-${mode}`, { mode, tileTimeoutMs: 3000 });
      const error = await blender.renderTile(slowTile()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RenderTimeoutError);
      expect((error as Error).message).toMatch(/^Blender did not finish within 3000 ms and was killed\n--- renderer output/);
      expect((error as RenderTimeoutError).log).toMatch(/Fra:1 /);
      expect(await eventually(() => processesMentioning(marker).length === 0, 5000)).toBe(true);
    }, 60_000);
  });

  it('replaces a warm Blender that died between tiles, and stops the warm ones on close', async () => {
    const { renderer: blender, marker } = renderer('replace', { mode: 'warm' });
    const tile = tileRequest(example, { width: 64, height: 36, samples: 2 });
    await blender.renderTile(tile);
    const warmProcesses = processesMentioning(marker);
    expect(warmProcesses.length).toBeGreaterThan(0);
    for (const { pid } of warmProcesses) process.kill(pid, 'SIGKILL');
    expect(await eventually(() => processesMentioning(marker).length === 0, 5000)).toBe(true);

    await blender.renderTile(tile);
    expect(processesMentioning(marker).length).toBeGreaterThan(0);
    await blender.close();
    expect(await eventually(() => processesMentioning(marker).length === 0, 5000)).toBe(true);
  }, 60_000);

  it('runs in the bubblewrap sandbox when bwrap is installed', () => {
    const { renderer: blender } = renderer('sandbox-note');
    if (onPath('bwrap')) expect(blender.sandboxNote).toBe('');
    else expect(blender.sandboxNote).toMatch(/bubblewrap/);
  });
});

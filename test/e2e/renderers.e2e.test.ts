import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { compareImages, decodePng } from '@tessera/imaging';
import { BlenderRenderer, ensureBlenderExample, ensurePovrayExample, PovrayRenderer, type Renderer } from '@tessera/renderers';
import { tempDir, type TempDir } from '@tessera/testing';
import { startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(600_000);

const run = promisify(execFile);
const TESSERA = resolve(__dirname, '..', '..', 'bin', 'tessera');
const [WIDTH, HEIGHT, SAMPLES] = [160, 90, 8];

/** The renderer's own full-frame render of one frame, on this machine, outside the farm. */
async function fullFrame(renderer: Renderer, scenePath: string, frame: number): Promise<Buffer> {
  const { png } = await renderer.renderTile({
    scenePath, frame, width: WIDTH, height: HEIGHT, region: { x: 0, y: 0, width: WIDTH, height: HEIGHT },
    samples: SAMPLES, seed: 0, bitDepth: 8, signal: new AbortController().signal,
  });
  return png;
}

describe('Blender and POV-Ray scenes through the farm', () => {
  let t: TestFarm | undefined;
  let out: TempDir | undefined;

  beforeAll(async () => {
    t = await startTestFarm({ workers: 2 });
    out = await tempDir('renders');
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
    await out?.remove();
  });

  /** `tessera submit ... --wait -o DIR`, as an artist types it; returns the downloaded frames. */
  async function submit(scene: string, renderer: string, frames: string, dir: string): Promise<string[]> {
    const { stdout } = await run(process.execPath, [
      TESSERA, 'submit', scene, '--renderer', renderer, '--frames', frames, '--tiles', '2x2',
      '--width', String(WIDTH), '--height', String(HEIGHT), '--samples', String(SAMPLES), '--seed', '0',
      // The farm's home, where `tessera up` left the local admin key the CLI sends by default.
      '--wait', '-o', dir, '--api', (t as TestFarm).apiUrl, '--home', (t as TestFarm).home.path,
    ], { timeout: 400_000 });
    expect(stdout).toMatch(/job \S+ completed in/);
    expect(stdout).toMatch(/cost \d+\.\d{6} credits \(held \d+\.\d{6}, refunded \d+\.\d{6}\); balance \d+\.\d{6} credits available/);
    return (await readdir(dir)).sort();
  }

  it('tessera submit example.blend --frames 1-3 --tiles 2x2 --wait: frames match Blender\'s own render', async () => {
    const blend = await ensureBlenderExample();
    const dir = join((out as TempDir).path, 'blender');
    expect(await submit(blend, 'blender', '1-3', dir)).toEqual(['frame-0001.png', 'frame-0002.png', 'frame-0003.png']);
    const blender = new BlenderRenderer({ mode: 'cold' });
    try {
      const reference = await fullFrame(blender, blend, 2);
      const comparison = await compareImages(await decodePng(await readFile(join(dir, 'frame-0002.png'))), await decodePng(reference));
      // Blender's CI tolerance: a pixel fails above 0.016, the frame above 1% failed pixels.
      expect(comparison.withinTolerance).toBe(true);
    } finally {
      await blender.close?.();
    }
    // Each tile's Blender output is stored and served for the artist.
    const farm = t as TestFarm;
    const jobs = (await (await farm.fetch('/v1/jobs?state=completed')).json()) as Array<{ id: string; renderer: string }>;
    const job = jobs.find((j) => j.renderer === 'blender') as { id: string };
    const tiles = (await (await farm.fetch(`/v1/jobs/${job.id}/tiles?limit=2`)).json()) as Array<{ id: string; state: string }>;
    expect(tiles.map((tile) => tile.state)).toEqual(['accepted', 'accepted']);
    const log = await farm.fetch(`/v1/jobs/${job.id}/tiles/${tiles[0].id}/log`);
    expect(log.status).toBe(200);
    expect(log.headers.get('x-tessera-attempt')).toBe('1');
    expect((await log.text()).length).toBeGreaterThan(0);
  });

  it('a POV-Ray scene (zip with its INI) rendered in tiles equals POV-Ray\'s full-frame render exactly', async () => {
    const zip = await ensurePovrayExample();
    const dir = join((out as TempDir).path, 'povray');
    expect(await submit(zip, 'povray', '1-2', dir)).toEqual(['frame-0001.png', 'frame-0002.png']);
    const povray = new PovrayRenderer();
    try {
      const reference = await fullFrame(povray, zip, 2);
      const comparison = await compareImages(await decodePng(await readFile(join(dir, 'frame-0002.png'))), await decodePng(reference));
      expect(comparison.identical).toBe(true);
    } finally {
      await povray.close?.();
    }
  });
});

import { planTiles } from '@tessera/domain';
import { pixelHash } from '@tessera/imaging';
import { BlenderRenderer, ensureBlenderExample } from '@tessera/renderers';
import { describeWithBinary, tileRequest } from './renderers.fixture';

// Every test starts real renderer processes; on a busy 2-core machine one Blender start takes seconds.
jest.setTimeout(60_000);

/**
 * Warm against cold Blender on the example: 1/16 tiles (4x4) of a 640x360 frame at 16 samples, one slot.
 * The tiles must be identical both ways; the rates are printed for docs/benchmarks (the full benchmark
 * lives in `npm run bench`). Warm includes starting its one session, as a worker new to a scene would.
 * The suite renders the top half of the grid; TESSERA_BENCH=1 renders all 16 tiles.
 */
describeWithBinary('blender', 'warm and cold Blender', () => {
  const grid = planTiles(640, 360, 4, 4);
  const regions = process.env.TESSERA_BENCH === '1' ? grid : grid.slice(0, 8);
  let example: string;
  beforeAll(async () => {
    example = await ensureBlenderExample();
  }, 120_000);

  async function renderAll(mode: 'warm' | 'cold'): Promise<{ hashes: string[]; seconds: number }> {
    const renderer = new BlenderRenderer({ mode });
    try {
      const started = performance.now();
      const hashes: string[] = [];
      for (const region of regions) {
        const tile = await renderer.renderTile(tileRequest(example, { frame: 1, width: 640, height: 360, samples: 16, region }));
        hashes.push(await pixelHash(tile.png));
      }
      return { hashes, seconds: (performance.now() - started) / 1000 };
    } finally {
      await renderer.close();
    }
  }

  it('renders the same pixels, warm faster than cold', async () => {
    const warm = await renderAll('warm');
    const cold = await renderAll('cold');
    expect(warm.hashes).toEqual(cold.hashes);
    const rate = (run: { seconds: number }) => ((regions.length / run.seconds) * 60).toFixed(1);
    console.log(
      `Blender ${regions.length} tiles of 160x90 (640x360 frame, 16 samples), one slot: ` +
        `warm ${warm.seconds.toFixed(1)} s = ${rate(warm)} tiles/min, cold ${cold.seconds.toFixed(1)} s = ${rate(cold)} tiles/min`,
    );
    expect(warm.seconds).toBeLessThan(cold.seconds);
  }, 180_000);
});

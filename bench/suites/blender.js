'use strict';
// Suite "blender" (issue 6, suite 4): warm against cold Blender, tiles per minute on the Blender example,
// the same tiles both ways, through the renderer library as a worker uses it (one slot). Warm includes
// starting its one session, as a worker new to a scene would. The measurement is the one of
// test/integration/renderers/blender-warm-cold.test.ts (TESSERA_BENCH=1), repeated in ABBA order so that
// drift on a shared machine hits both modes alike. Skipped, not failed, when Blender is not installed.
//
// Environment: TESSERA_BENCH_BLENDER_GRID (default 4: 4x4 tiles, each 1/16 of the frame),
// TESSERA_BENCH_BLENDER_SIZE (default 640x360), TESSERA_BENCH_BLENDER_SAMPLES (16),
// TESSERA_BENCH_BLENDER_ROUNDS (default 1: one round is warm, cold, cold, warm).
const { planTiles } = require('../../dist/node_modules/@tessera/domain');
const { pixelHash } = require('../../dist/node_modules/@tessera/imaging');
const { BlenderRenderer, ensureBlenderExample } = require('../../dist/node_modules/@tessera/renderers');
const { fixed, median } = require('../lib/measure');

const TARGET_RATIO = 1.8;

function envInt(name, fallback) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** Renders every region once with a fresh adapter in `mode`; the adapter is closed (sessions killed) after. */
async function renderAll(mode, example, job) {
  const renderer = new BlenderRenderer({ mode });
  try {
    const started = performance.now();
    const hashes = [];
    for (const region of job.regions) {
      const tile = await renderer.renderTile({
        scenePath: example,
        frame: 1,
        width: job.width,
        height: job.height,
        region,
        samples: job.samples,
        seed: 0,
        bitDepth: 8,
        signal: new AbortController().signal,
      });
      hashes.push(await pixelHash(tile.png));
    }
    const seconds = (performance.now() - started) / 1000;
    return { mode, seconds, tilesPerMin: (job.regions.length / seconds) * 60, hashes, version: await renderer.version(), sandbox: renderer.sandboxNote || 'bubblewrap' };
  } finally {
    await renderer.close();
  }
}

async function run({ log }) {
  if (!BlenderRenderer.detect({ sandbox: 'off' })) {
    log('blender: skipped: blender is not installed (apt-get install blender, or bash scripts/bootstrap.sh)');
    return { rows: [{ metric: 'skipped', value: 'blender is not installed' }], json: { skipped: 'blender is not installed' } };
  }
  const grid = envInt('TESSERA_BENCH_BLENDER_GRID', 4);
  const [width, height] = (process.env.TESSERA_BENCH_BLENDER_SIZE ?? '640x360').split('x').map(Number);
  const samples = envInt('TESSERA_BENCH_BLENDER_SAMPLES', 16);
  const rounds = envInt('TESSERA_BENCH_BLENDER_ROUNDS', 1);
  const job = { width, height, samples, regions: planTiles(width, height, grid, grid) };
  const example = await ensureBlenderExample();
  const tile = `${job.regions[0].width}x${job.regions[0].height}`;
  log(`blender: ${job.regions.length} tiles of ${tile} (${width}x${height} frame, ${grid}x${grid}, ${samples} samples), one slot, ${rounds} round(s) of warm, cold, cold, warm`);

  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['warm', 'cold', 'cold', 'warm']) {
      const result = await renderAll(mode, example, job);
      log(`blender: ${mode} ${fixed(result.seconds, 1)} s = ${fixed(result.tilesPerMin, 1)} tiles/min`);
      runs.push(result);
    }
  }
  const reference = runs[0].hashes.join();
  const identical = runs.every((r) => r.hashes.join() === reference);
  const rate = (mode) => median(runs.filter((r) => r.mode === mode).map((r) => r.tilesPerMin));
  const warm = rate('warm');
  const cold = rate('cold');
  const ratio = warm / cold;
  log(`blender: ${runs[0].version}: warm ${fixed(warm, 1)} vs cold ${fixed(cold, 1)} tiles/min (median), ${fixed(ratio, 2)}x; tiles ${identical ? 'identical' : 'DIFFER'} across runs`);
  const rows = [
    {
      metric: `warm vs cold tiles/min, ${job.regions.length} tiles of ${tile} (1/${grid * grid} of ${width}x${height}), ${samples} samples, median of ${2 * rounds}`,
      value: fixed(warm, 1),
      baseline: `cold ${fixed(cold, 1)}`,
      ratio: `${fixed(ratio, 2)}x`,
      target: `>= ${TARGET_RATIO}x`,
      met: ratio >= TARGET_RATIO ? 'met' : 'NOT MET',
    },
    { metric: 'warm and cold tile pixels', value: identical ? 'identical' : 'differ', target: 'identical', met: identical ? 'met' : 'NOT MET' },
  ];
  return {
    rows,
    json: {
      parameters: { width, height, grid, samples, rounds, blender: runs[0].version, sandbox: runs[0].sandbox },
      runs: runs.map(({ hashes, ...r }) => r),
      warmTilesPerMin: warm,
      coldTilesPerMin: cold,
      ratio,
      identical,
    },
  };
}

module.exports = { name: 'blender', run };

'use strict';
// Suite "farm-overhead" (issue 6, suite 3): the same frames rendered (a) locally by one renderer
// invocation using every core and (b) through a whole farm on this machine (nats-server, embedded S3,
// SQLite, coordinator, API, one worker per core), tiled 1x1 and 2x2. The figure is the wall-time ratio
// farm/local, the local time being the mean of a run before and a run after the farm's. CPU seconds are
// reported too (this process's tree: every farm process, every renderer, the embedded S3 server here): on
// a shared machine they move far less than wall time. With Blender, (a) is one
// `blender -b example.blend ... -a`; without it, the builtin renderer stands in (a BuiltinRenderer rendering
// whole frames, as many at a time as there are cores) and the suite says so. The farm runs with
// SPOT_CHECKS=false, as the issue asks: the overhead of dispatch, not the price of re-rendering a share of the
// tiles to verify new workers (docs/verification.md; TESSERA_BENCH_OVERHEAD_SPOT_CHECKS=true measures that).
//
// Each tiling runs on a fresh farm whose workers have not seen the scene: like the local run, it pays the
// renderer's start and the scene's load once. The farm's wall time runs from the job's submission to the
// moment its completion is seen (polled every 100 ms); the upload before it is reported apart.
//
// Environment: TESSERA_BENCH_OVERHEAD_FRAMES (default 6), TESSERA_BENCH_OVERHEAD_TILINGS (default 1x1,2x2),
// TESSERA_BENCH_OVERHEAD_RENDERER (blender or builtin; default blender when installed),
// TESSERA_BENCH_OVERHEAD_SIZE (default the scene's, 640x360), TESSERA_BENCH_OVERHEAD_SAMPLES (16),
// TESSERA_BENCH_OVERHEAD_SPOT_CHECKS (false).
const { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { availableParallelism, tmpdir } = require('node:os');
const { join } = require('node:path');
const { BlenderRenderer, BuiltinRenderer, ensureBlenderExample } = require('../../dist/node_modules/@tessera/renderers');
const { pixelHash } = require('../../dist/node_modules/@tessera/imaging');
const { startBenchFarm, waitForJob } = require('../lib/farm');
const { fixed, runMeasured } = require('../lib/measure');
const { treeCpuSeconds } = require('../lib/proc');

const ROOT = join(__dirname, '..', '..');
const TARGETS = { '1x1': 1.15, '2x2': 1.3 };
const JOB_TIMEOUT_MS = 15 * 60_000;

function envInt(name, fallback) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** Blender: one process renders every frame (`-a`) on every core (`-t 0`), as an artist would locally. */
function renderLocallyBlender(job, dir) {
  const args = ['-b', '--factory-startup', '--disable-autoexec', job.scenePath, '--python-expr', blenderSettings(job), '-o', join(dir, 'frame_####'), '-F', 'PNG', '-x', '1', '-t', '0', '-s', '1', '-e', String(job.frames), '-a'];
  const { wallMs } = runMeasured('blender', args, { env: { ...process.env, HOME: dir } });
  return { seconds: wallMs / 1000, frameFile: (frame) => join(dir, `frame_${String(frame).padStart(4, '0')}.png`) };
}

/**
 * What the job asks the farm for and what the worker's driver forces that changes the image, set on the
 * local scene too: both sides then render the same pixels (the suite checks frame 1).
 */
function blenderSettings(job) {
  return [
    'import bpy',
    's = bpy.context.scene',
    `s.render.resolution_x, s.render.resolution_y, s.render.resolution_percentage = ${job.width}, ${job.height}, 100`,
    `s.cycles.samples = ${job.samples}`,
    's.cycles.seed = 0',
    's.cycles.use_animated_seed = False',
    "s.render.image_settings.color_mode = 'RGBA' if s.render.film_transparent else 'RGB'",
    "s.render.image_settings.color_depth = '8'",
  ].join('; ');
}

/** Builtin: one renderer instance renders whole frames, as many at a time as there are cores. */
async function renderLocallyBuiltin(job, dir) {
  const renderer = new BuiltinRenderer();
  const started = performance.now();
  let next = 1;
  const lane = async () => {
    for (let frame = next++; frame <= job.frames; frame = next++) {
      const tile = await renderer.renderTile({
        scenePath: job.scenePath,
        frame,
        width: job.width,
        height: job.height,
        region: { x: 0, y: 0, width: job.width, height: job.height },
        samples: job.samples,
        seed: 0,
        bitDepth: 8,
        signal: new AbortController().signal,
      });
      writeFileSync(join(dir, `frame_${String(frame).padStart(4, '0')}.png`), tile.png);
    }
  };
  await Promise.all(Array.from({ length: availableParallelism() }, lane));
  return { seconds: (performance.now() - started) / 1000, frameFile: (frame) => join(dir, `frame_${String(frame).padStart(4, '0')}.png`) };
}

async function renderOnFarm({ log, job, tiling }) {
  const workers = availableParallelism();
  const spotChecks = process.env.TESSERA_BENCH_OVERHEAD_SPOT_CHECKS === 'true' ? 'true' : 'false';
  const farm = await startBenchFarm({ tag: `overhead-${tiling}`, workers, env: { SPOT_CHECKS: spotChecks }, log });
  try {
    const uploadStarted = performance.now();
    const scene = await farm.api.uploadScene(job.scenePath, job.renderer);
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    const cpuBefore = treeCpuSeconds();
    const started = performance.now();
    const submitted = await farm.api.submitJob({ sceneId: scene.id, frames: `1-${job.frames}`, width: job.width, height: job.height, samples: job.samples, seed: 0, tiles: tiling });
    const view = await waitForJob(farm.api, submitted.id, { timeoutMs: JOB_TIMEOUT_MS, pollMs: 100 });
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = treeCpuSeconds() - cpuBefore;
    log(`farm-overhead: farm ${tiling}: job ${view.state} in ${fixed(seconds, 1)} s, ${fixed(cpuSeconds, 1)} CPU s`);
    if (view.state !== 'completed') throw new Error(`job ${view.id} ended ${view.state}: ${view.error ?? JSON.stringify(view.errors)}`);
    const first = await farm.api.request(`/v1/jobs/${encodeURIComponent(view.id)}/frames/1`, { raw: true });
    const frame1 = first.ok ? Buffer.from(await first.arrayBuffer()) : null;
    return { tiling, workers, seconds, cpuSeconds, uploadSeconds, tiles: view.tiles.total, frame1Hash: frame1 ? await pixelHash(frame1) : null };
  } finally {
    await farm.stop();
  }
}

async function run({ log }) {
  const wanted = process.env.TESSERA_BENCH_OVERHEAD_RENDERER;
  const hasBlender = Boolean(BlenderRenderer.detect({ sandbox: 'off' }));
  if (wanted === 'blender' && !hasBlender) throw new Error('TESSERA_BENCH_OVERHEAD_RENDERER=blender but blender is not installed');
  const renderer = wanted === 'builtin' || !hasBlender ? 'builtin' : 'blender';
  if (renderer === 'builtin') log(`farm-overhead: ${hasBlender ? 'builtin renderer chosen' : 'blender is not installed'}: the builtin renderer and examples/orbit.scene.json stand in`);
  const [width, height] = (process.env.TESSERA_BENCH_OVERHEAD_SIZE ?? '640x360').split('x').map(Number);
  const job = {
    renderer,
    scenePath: renderer === 'blender' ? await ensureBlenderExample() : join(ROOT, 'examples', 'orbit.scene.json'),
    frames: envInt('TESSERA_BENCH_OVERHEAD_FRAMES', 6),
    width,
    height,
    samples: envInt('TESSERA_BENCH_OVERHEAD_SAMPLES', 16),
  };
  const tilings = (process.env.TESSERA_BENCH_OVERHEAD_TILINGS ?? '1x1,2x2').split(',').map((s) => s.trim()).filter(Boolean);
  const what = `${job.frames} frames of ${width}x${height} at ${job.samples} samples (${renderer})`;

  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-overhead-'));
  try {
    const renderLocally = async (pass) => {
      const out = join(dir, `local-${pass}`);
      mkdirSync(out);
      const cpuBefore = treeCpuSeconds();
      const result = renderer === 'blender' ? renderLocallyBlender(job, out) : await renderLocallyBuiltin(job, out);
      const cpuSeconds = treeCpuSeconds() - cpuBefore;
      const rendered = readdirSync(out).filter((f) => f.endsWith('.png')).length;
      if (rendered !== job.frames) throw new Error(`the local render wrote ${rendered} frames, not ${job.frames}`);
      log(`farm-overhead: local ${renderer === 'blender' ? '`blender -b ... -a`' : 'builtin renderer'} (${pass}): ${what} in ${fixed(result.seconds, 1)} s, ${fixed(cpuSeconds, 1)} CPU s`);
      return { seconds: result.seconds, cpuSeconds, frame1Hash: await pixelHash(readFileSync(result.frameFile(1))) };
    };
    // Local runs before and after the farm's, their mean the baseline: drift on a shared machine over the
    // suite's minutes then hits both sides alike.
    const before = await renderLocally('before');
    const farms = [];
    for (const tiling of tilings) farms.push(await renderOnFarm({ log, job, tiling }));
    const after = await renderLocally('after');
    const local = {
      seconds: (before.seconds + after.seconds) / 2,
      runs: [before.seconds, after.seconds],
      cpuSeconds: (before.cpuSeconds + after.cpuSeconds) / 2,
      cpuRuns: [before.cpuSeconds, after.cpuSeconds],
    };
    const localFrame1 = before.frame1Hash;
    log(`farm-overhead: local mean ${fixed(local.seconds, 1)} s (before ${fixed(before.seconds, 1)} s, after ${fixed(after.seconds, 1)} s)`);
    for (const farm of farms) {
      farm.ratio = farm.seconds / local.seconds;
      farm.cpuRatio = farm.cpuSeconds / local.cpuSeconds;
      farm.frame1SameAsLocal = farm.frame1Hash === localFrame1;
      log(
        `farm-overhead: farm ${farm.tiling} (${farm.workers} workers, ${farm.tiles} tiles): ${fixed(farm.seconds, 1)} s (upload before it ${fixed(farm.uploadSeconds, 1)} s); ` +
          `farm/local ${fixed(farm.ratio, 2)} wall, ${fixed(farm.cpuRatio, 2)} CPU; frame 1 ${farm.frame1SameAsLocal ? 'identical to' : 'differs from'} the local render`,
      );
    }
    const rows = farms.map((f) => ({
      metric: `${what}, farm ${f.tiling} (${f.workers} workers) vs local wall`,
      value: `${fixed(f.seconds, 1)} s`,
      baseline: `local ${fixed(local.seconds, 1)} s (${local.runs.map((v) => fixed(v, 1)).join(', ')})`,
      ratio: fixed(f.ratio, 2),
      target: TARGETS[f.tiling] ? `<= ${TARGETS[f.tiling]}` : 'info',
      met: TARGETS[f.tiling] ? (f.ratio <= TARGETS[f.tiling] ? 'met' : 'NOT MET') : '',
    }));
    rows.push(
      ...farms.map((f) => ({
        metric: `${what}, farm ${f.tiling} vs local CPU seconds (every farm process and renderer)`,
        value: `${fixed(f.cpuSeconds, 1)} s`,
        baseline: `local ${fixed(local.cpuSeconds, 1)} s (${local.cpuRuns.map((v) => fixed(v, 1)).join(', ')})`,
        ratio: fixed(f.cpuRatio, 2),
        target: 'info',
      })),
    );
    rows.push({
      metric: 'farm frame 1 pixels = local frame 1',
      value: farms.map((f) => `${f.tiling}: ${f.frame1SameAsLocal ? 'identical' : 'differ'}`).join(', '),
      target: 'identical',
      met: farms.every((f) => f.frame1SameAsLocal) ? 'met' : 'NOT MET',
    });
    return { rows, json: { parameters: { ...job, tilings }, local: { ...local, frame1Hash: localFrame1, frame1SameAfter: after.frame1Hash === localFrame1 }, farms } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { name: 'farm-overhead', run };

import { Command, Option } from 'commander';
import { ensureBlenderExample, ensurePovrayExample } from '@tessera/renderers';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient } from '../api-client';
import { Farm, defaultFarmOptions } from '../farm';
import { downloadFrames } from './download.command';
import { balanceLine, costLine, waitForJob } from './progress';

const EXAMPLES = resolve(__dirname, '..', '..', '..', '..', '..', 'examples');

/** The example scene of each renderer; Blender's and POV-Ray's are built by the project itself on first use. */
async function exampleScene(renderer: string): Promise<string> {
  if (renderer === 'blender') return ensureBlenderExample();
  if (renderer === 'povray') return ensurePovrayExample();
  return join(EXAMPLES, 'orbit.scene.json');
}

/**
 * The quick start: a whole farm on this machine renders the example animation through workers over NATS,
 * and the stitched frames come back out of S3 into renders/<job>/.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('start a farm, render the example animation, download its frames, stop the farm')
    .addOption(new Option('--renderer <name>', 'which example: the builtin path tracer, Blender (Cycles) or POV-Ray').choices(['builtin', 'blender', 'povray']).default('builtin'))
    .option('--frames <spec>', 'frames of the example to render', '1-24')
    .option('--samples <n>', "samples per pixel (default: the example's)")
    .option('--tiles <CxR>', 'tiling', '2x2')
    .option('--workers <n>', 'local workers (default: one per core)', String(availableParallelism()))
    .option('--home <dir>', 'data of the embedded services', '.tessera')
    .option('-o, --output <dir>', 'where frames go (default renders/<job>)')
    .action(async (flags: { renderer: string; frames: string; samples?: string; tiles: string; workers: string; home: string; output?: string }) => {
      const farm = new Farm({ ...defaultFarmOptions(), home: flags.home, workers: Number(flags.workers), apiPort: 0 });
      const stop = () => void farm.stop().then(() => process.exit(130));
      process.once('SIGINT', stop);
      try {
        const started = Date.now();
        process.stderr.write(`starting the farm: nats-server, S3, SQLite, coordinator, API, ${flags.workers} worker(s)...\n`);
        const info = await farm.start();
        process.stderr.write(`farm up in ${((Date.now() - started) / 1000).toFixed(1)} s; API ${info.apiUrl} (logs in ${join(flags.home, 'logs')})\n`);
        const api = new ApiClient(info.apiUrl, farm.adminKey);
        const scene = await api.uploadScene(await exampleScene(flags.renderer), flags.renderer);
        const samples = flags.samples === undefined ? undefined : Number(flags.samples);
        const job = await api.submitJob({ sceneId: scene.id, renderer: flags.renderer, frames: flags.frames, tiles: flags.tiles, samples });
        process.stderr.write(`job ${job.id}: ${job.frameCount} frames at ${job.width}x${job.height}, ${job.samples} samples, ${job.tiles.total} tiles\n`);
        const done = await waitForJob(api, job.id);
        if (done.state !== 'completed') throw new Error(`job ${done.state}: ${done.error ?? 'see the logs'}`);
        const dir = await downloadFrames(api, job.id, flags.output ?? join('renders', job.id));
        process.stderr.write(`${done.frameCount} frames rendered in ${done.timings.elapsedSeconds.toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(1)} s with start-up)\n`);
        process.stderr.write(`${costLine(done)}; ${await balanceLine(api)}\n`);
        console.log(dir);
      } finally {
        await farm.stop();
      }
    });
}

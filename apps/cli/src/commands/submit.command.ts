import { Command, InvalidArgumentError } from 'commander';
import { clientFrom, withApiOptions } from './client-options';
import { balanceLine, costLine, waitForJob } from './progress';
import { downloadFrames } from './download.command';

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

export function submitCommand(): Command {
  return withApiOptions(new Command('submit'))
    .description('upload a scene and submit a job on it')
    .argument('<scene>', 'scene file (.json for the builtin renderer)')
    .option('--renderer <name>', 'builtin, blender or povray', 'builtin')
    .option('--renderer-version <range>', 'renderer versions the job accepts, e.g. ">=3.4" (default: any)')
    .option('--frames <spec>', "frames, e.g. 1-24 or 1,5,9-12 (default: the scene's range)")
    .option('--tiles <CxR>', 'tiling, e.g. 4x3, or auto', 'auto')
    .option('--samples <n>', "samples per pixel (default: the scene's)", int('--samples'))
    .option('--width <px>', "frame width (default: the scene's)", int('--width'))
    .option('--height <px>', "frame height (default: the scene's)", int('--height'))
    .option('--seed <n>', 'random seed', int('--seed'))
    .option('--bit-depth <8|16>', 'PNG bit depth', int('--bit-depth'))
    .option('--priority <n>', 'higher runs first (-100..100)', int('--priority'))
    .option('--idempotency-key <key>', 'submitting again with the same key returns the same job')
    .option('--wait', 'wait for the job to end, with a progress bar')
    .option('-o, --output <dir>', 'with --wait: download the frames into this directory')
    .action(async (scenePath: string, flags) => {
      const client = clientFrom(flags);
      const scene = await client.uploadScene(scenePath, flags.renderer);
      const job = await client.submitJob(
        {
          sceneId: scene.id,
          renderer: flags.renderer,
          rendererVersion: flags.rendererVersion,
          frames: flags.frames,
          tiles: flags.tiles,
          samples: flags.samples,
          width: flags.width,
          height: flags.height,
          seed: flags.seed,
          bitDepth: flags.bitDepth,
          priority: flags.priority,
        },
        flags.idempotencyKey,
      );
      console.log(`job ${job.id}: ${job.frameCount} frame(s) ${job.frames} at ${job.width}x${job.height}, ${job.samples} samples, tiles ${job.tiling} (${job.tiles.total} in all)`);
      console.log(`  ${job.cost ? `${job.cost.heldCredits} credits held in escrow` : 'not charged'}; ${await balanceLine(client)}`);
      if (!flags.wait) return;
      const done = await waitForJob(client, job.id);
      console.log(`job ${done.id} ${done.state} in ${done.timings.elapsedSeconds.toFixed(1)} s${done.error ? `: ${done.error}` : ''}`);
      console.log(`  ${costLine(done)}; ${await balanceLine(client)}`);
      if (done.state !== 'completed') process.exitCode = 1;
      else if (flags.output) console.log(await downloadFrames(client, done.id, flags.output));
    });
}

import { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ApiClient } from '../api-client';
import { clientFrom, withApiOptions } from './client-options';

/** Downloads every stitched frame of a job as `<dir>/frame-0001.png`...; returns the directory. */
export async function downloadFrames(client: ApiClient, jobId: string, dir: string): Promise<string> {
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  const frames = (await client.frames(jobId)).filter((f) => f.state === 'done');
  for (const frame of frames) {
    await writeFile(join(target, `frame-${String(frame.frame).padStart(4, '0')}.png`), await client.frameImage(jobId, frame.frame));
  }
  if (frames.length === 0) throw new Error(`job ${jobId} has no finished frames yet`);
  return target;
}

export function downloadCommand(): Command {
  return withApiOptions(new Command('download'))
    .description("download a job's stitched frames")
    .argument('<job>', 'job id')
    .option('-o, --output <dir>', 'target directory (default renders/<job>)')
    .action(async (jobId: string, flags) => {
      console.log(await downloadFrames(clientFrom(flags), jobId, flags.output ?? join('renders', jobId)));
    });
}

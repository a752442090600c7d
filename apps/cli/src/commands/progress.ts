import { SingleBar, Presets } from 'cli-progress';
import type { ApiClient, JobView } from '../api-client';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Polls a job until it ends, with a progress bar of accepted tiles (on a terminal) or a line per change. */
export async function waitForJob(client: ApiClient, jobId: string, pollMs = 500): Promise<JobView> {
  let job = await client.job(jobId);
  const bar = process.stderr.isTTY
    ? new SingleBar(
        { format: ' rendering |{bar}| {percentage}% | tiles {value}/{total} | frames {frames} | {state} | {elapsed}s', hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(job.tiles.total, job.tiles.accepted, fields(job));
  let last = '';
  while (!TERMINAL.has(job.state)) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    job = await client.job(jobId);
    if (bar) bar.update(job.tiles.accepted, fields(job));
    else {
      const line = `${job.state}: tiles ${job.tiles.accepted}/${job.tiles.total}, frames ${job.framesDone}/${job.frameCount}`;
      if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
    }
  }
  bar?.update(job.tiles.accepted, fields(job));
  bar?.stop();
  return job;
}

function fields(job: JobView) {
  return { frames: `${job.framesDone}/${job.frameCount}`, state: job.state, elapsed: job.timings.elapsedSeconds.toFixed(1) };
}

/** The job's cost line: what was held, spent and refunded, in credits. */
export function costLine(job: JobView): string {
  const cost = job.cost;
  if (!cost) return 'cost: not charged (a job from before accounts)';
  return cost.settled
    ? `cost ${cost.spentCredits} credits (held ${cost.heldCredits}, refunded ${cost.refundedCredits})`
    : `cost so far ${cost.spentCredits} credits of ${cost.heldCredits} held in escrow`;
}

/** The account's balance line. */
export async function balanceLine(client: ApiClient): Promise<string> {
  const { balance } = await client.me();
  return `balance ${balance.availableCredits} credits available, ${balance.heldCredits} held, ${balance.pendingCredits} pending`;
}

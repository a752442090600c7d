import { Command } from 'commander';
import { clientFrom, withApiOptions } from './client-options';
import { costLine } from './progress';

export function statusCommand(): Command {
  return withApiOptions(new Command('status'))
    .description("show a job's state, tiles and frames")
    .argument('<job>', 'job id')
    .option('--json', 'print the API response as JSON')
    .action(async (jobId: string, flags) => {
      const job = await clientFrom(flags).job(jobId);
      if (flags.json) return console.log(JSON.stringify(job, null, 2));
      const t = job.tiles;
      console.log(`job ${job.id}: ${job.state}`);
      console.log(`  frames  ${job.framesDone}/${job.frameCount} done (${job.frames}), ${job.width}x${job.height}, ${job.samples} samples, tiles ${job.tiling}`);
      console.log(`  tiles   ${t.accepted} accepted, ${t.leased} rendering, ${t.pending} pending, ${t.failed} failed, ${t.cancelled} cancelled (of ${t.total})`);
      console.log(`  time    ${job.timings.elapsedSeconds.toFixed(1)} s since ${job.timings.createdAt}`);
      const c = job.checks;
      console.log(`  checks  ${c.passed} passed, ${c.open} open, ${c.failed} caught a cheater, ${c.checkerFailed} caught a false check, ${c.inconclusive} inconclusive, ${c.arbitrated} arbitrated`);
      console.log(`  credits ${costLine(job)}`);
      if (job.error) console.log(`  error   ${job.error}`);
      for (const e of job.errors.slice(0, 5)) console.log(`  ! ${e.workerId}: ${e.message}`);
    });
}

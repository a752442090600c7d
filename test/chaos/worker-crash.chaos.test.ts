import { activeAttempts, expectIntactJob, openFarmDatabase, submitChaosJob, useChaosFarm } from './chaos.harness';

jest.setTimeout(420_000);

describe('chaos: workers killed mid-tile', () => {
  const farmOf = useChaosFarm({ workers: 3 });

  it('kill -9 a worker that is rendering, 20 times over a job: the job completes intact', async () => {
    const farm = farmOf();
    const jobId = await submitChaosJob(farm);
    const db = await openFarmDatabase(farm);
    let kills = 0;
    const restarts: Array<Promise<void>> = [];
    const restarting = new Set<string>();
    try {
      while (kills < 20) {
        const job = await farm.api.job(jobId);
        if (job.state !== 'running' && job.state !== 'queued') throw new Error(`job ${job.state} after only ${kills} kills`);
        const leases = (await activeAttempts(db, jobId)).filter((a) => !restarting.has(a.workerId));
        const victim = leases[0] && farm.farm.workers.find((w) => w.name === `worker ${leases[0].workerId}`);
        if (!victim) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
        await victim.kill();
        kills += 1;
        // The same identity comes back, as a supervisor (systemd, Kubernetes) would restart it; meanwhile
        // the next kill may hit another worker.
        const id = leases[0].workerId;
        restarting.add(id);
        victim.start();
        restarts.push(victim.waitFor(/registered as/, 120_000).finally(() => restarting.delete(id)));
      }
      await Promise.all(restarts);
    } finally {
      await db.close();
    }
    expect(kills).toBe(20);
    await expectIntactJob(farm, jobId);
  });
});

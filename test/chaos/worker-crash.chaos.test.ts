import { activeAttempts, expectIntactJob, openFarmDatabase, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';

jest.setTimeout(420_000);

describe('chaos: workers killed mid-tile', () => {
  const farmOf = useChaosFarm({ workers: 3 });

  it('kill -9 a worker that is rendering, 20 times over a job: the job completes intact', async () => {
    const farm = farmOf();
    const jobId = await submitChaosJob(farm);
    const db = await openFarmDatabase(farm);
    let kills = 0;
    try {
      while (kills < 20) {
        const leases = await waitFor(() => activeAttempts(db, jobId), (a) => a.length > 0, 60_000, 'a lease to kill');
        const victim = farm.farm.workers.find((w) => w.name === `worker ${leases[0].workerId}`);
        if (!victim) throw new Error(`no local worker ${leases[0].workerId}`);
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
        await victim.kill();
        kills += 1;
        // The same identity comes back, as a supervisor (systemd, Kubernetes) would restart it.
        victim.start();
        await victim.waitFor(/registered as/, 60_000);
      }
    } finally {
      await db.close();
    }
    expect(kills).toBe(20);
    await expectIntactJob(farm, jobId);
  });
});

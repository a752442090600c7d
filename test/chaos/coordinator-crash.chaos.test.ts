import { expectIntactJob, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

describe('chaos: the coordinator killed mid-job', () => {
  const farmOf = useChaosFarm({ workers: 2 });

  it('kill -9 the coordinator, restart it: results published meanwhile are processed, nothing lost or repeated', async () => {
    const farm = farmOf();
    const jobId = await submitChaosJob(farm);
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted >= 5, 120_000, 'some accepted tiles');
    const [coordinator] = farm.farm.coordinators;
    await coordinator.kill();
    // Workers keep rendering and publishing into JetStream while no coordinator runs.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    coordinator.start();
    await coordinator.waitFor(/coordinator ready/, 60_000);
    await expectIntactJob(farm, jobId);
  });
});

import { expectIntactJob, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

describe('chaos: object storage down mid-job', () => {
  const farmOf = useChaosFarm({ workers: 2 });

  it('the embedded S3 server stopped for 10 seconds: uploads and stitches are retried, the job completes intact', async () => {
    const farm = farmOf();
    const jobId = await submitChaosJob(farm);
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted >= 3, 120_000, 'some accepted tiles');
    await farm.farm.interruptEmbeddedStorage(10_000);
    await expectIntactJob(farm, jobId);
  });
});

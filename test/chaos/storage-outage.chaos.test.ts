import { startTestFarm, type TestFarm } from '../e2e/farm.harness';
import { expectIntactJob, referenceHashes, submitChaosJob, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

describe('chaos: object storage down mid-job', () => {
  let t: TestFarm | undefined;

  beforeAll(async () => {
    await referenceHashes();
    t = await startTestFarm({ workers: 2 });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('the embedded S3 server stopped for 10 seconds: uploads and stitches are retried, the job completes intact', async () => {
    const farm = t as TestFarm;
    const jobId = await submitChaosJob(farm);
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted >= 3, 120_000, 'some accepted tiles');
    await farm.farm.interruptEmbeddedStorage(10_000);
    await expectIntactJob(farm, jobId);
  });
});

import { startPostgres, type PostgresHarness } from '@tessera/testing';
import { startTestFarm, type TestFarm } from '../e2e/farm.harness';
import { expectIntactJob, referenceHashes, submitChaosJob, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

describe('chaos: two coordinators on PostgreSQL, one killed', () => {
  let postgres: PostgresHarness | undefined;
  let t: TestFarm | undefined;

  beforeAll(async () => {
    await referenceHashes();
    postgres = await startPostgres();
    t = await startTestFarm({ coordinators: 2, workers: 3, env: { ...process.env, DATABASE_URL: postgres.url } });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
    await postgres?.stop();
  });

  it('both serve the workers; one dies mid-job; the other finishes; every frame is stitched exactly once', async () => {
    const farm = t as TestFarm;
    const jobId = await submitChaosJob(farm);
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted >= 6, 120_000, 'some accepted tiles');
    const [first, second] = farm.farm.coordinators;
    await first.kill();
    await expectIntactJob(farm, jobId);
    const stitched = [first.tail(1000), second.tail(1000)].join('\n').match(new RegExp(`job ${jobId} frame \\d+ stitched`, 'g')) ?? [];
    expect(stitched.sort()).toEqual([1, 2, 3, 4].map((f) => `job ${jobId} frame ${f} stitched`));
  });
});

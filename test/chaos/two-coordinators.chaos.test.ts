import { startPostgres } from '@tessera/testing';
import { expectIntactJob, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

describe('chaos: two coordinators on PostgreSQL, one killed', () => {
  const farmOf = useChaosFarm({ coordinators: 2, workers: 3 }, async () => {
    const postgres = await startPostgres();
    return { env: { DATABASE_URL: postgres.url }, stop: () => postgres.stop() };
  });

  it('both serve the workers; one dies mid-job; the other finishes; every frame is stitched exactly once', async () => {
    const farm = farmOf();
    const jobId = await submitChaosJob(farm);
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted >= 6, 120_000, 'some accepted tiles');
    const [first, second] = farm.farm.coordinators;
    await first.kill();
    await expectIntactJob(farm, jobId);
    const stitched = [first.tail(1000), second.tail(1000)].join('\n').match(new RegExp(`job ${jobId} frame \\d+ stitched`, 'g')) ?? [];
    expect(stitched.sort()).toEqual([1, 2, 3, 4].map((f) => `job ${jobId} frame ${f} stitched`));
  });
});

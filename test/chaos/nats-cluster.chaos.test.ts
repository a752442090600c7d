import { startTestFarm, type TestFarm } from '../e2e/farm.harness';
import { expectIntactJob, referenceHashes, submitChaosJob, waitFor } from './chaos.harness';
import { startNatsCluster, type NatsCluster } from './nats-cluster';

jest.setTimeout(300_000);

describe('chaos: a 3-server NATS cluster loses the server everyone is connected to', () => {
  let cluster: NatsCluster | undefined;
  let t: TestFarm | undefined;

  beforeAll(async () => {
    await referenceHashes();
    cluster = await startNatsCluster(3);
    // Everyone is given the first server only; the others are learned from the cluster, as clients do.
    t = await startTestFarm({ workers: 2, env: { ...process.env, NATS_URL: cluster.servers[0].url } });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  it('kill -9 that server: workers and the coordinator reconnect to the others, and the job completes intact', async () => {
    const farm = t as TestFarm;
    const jobId = await submitChaosJob(farm);
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted >= 4, 120_000, 'some accepted tiles');
    await (cluster as NatsCluster).servers[0].kill();
    await expectIntactJob(farm, jobId);
    // The coordinator saw a cluster of three and gave its streams three replicas.
    expect(farm.farm.coordinators[0].tail(2000)).toMatch(/JetStream streams with 3 replica/);
  });
});

import { expectIntactJob, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';
import { startNatsCluster, type NatsCluster } from './nats-cluster';

jest.setTimeout(300_000);

describe('chaos: a 3-server NATS cluster loses the server everyone is connected to', () => {
  let cluster: NatsCluster | undefined;
  // Everyone is given the first server only; the others are learned from the cluster, as clients do.
  const farmOf = useChaosFarm({ workers: 2 }, async () => {
    cluster = await startNatsCluster(3);
    return { env: { NATS_URL: cluster.servers[0].url }, stop: () => (cluster as NatsCluster).stop() };
  });

  it('kill -9 that server: workers and the coordinator reconnect to the others, and the job completes intact', async () => {
    const farm = farmOf();
    const jobId = await submitChaosJob(farm);
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted >= 4, 120_000, 'some accepted tiles');
    await (cluster as NatsCluster).servers[0].kill();
    await expectIntactJob(farm, jobId);
    // The coordinator saw a cluster of three and gave its streams three replicas.
    expect(farm.farm.coordinators[0].tail(2000)).toMatch(/JetStream streams with 3 replica/);
  });
});

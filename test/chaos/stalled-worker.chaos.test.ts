import { AttemptEntity } from '@tessera/persistence';
import { activeAttempts, expectIntactJob, openFarmDatabase, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

describe('chaos: a worker frozen past its lease', () => {
  const farmOf = useChaosFarm({ workers: 2 });

  it('SIGSTOP a rendering worker past its lease, then SIGCONT: its late result is never accepted over the new one', async () => {
    const farm = farmOf();
    const jobId = await submitChaosJob(farm);
    const db = await openFarmDatabase(farm);
    try {
      const [lease] = await waitFor(() => activeAttempts(db, jobId), (a) => a.length > 0, 60_000, 'a lease');
      const frozen = farm.farm.workers.find((w) => w.name === `worker ${lease.workerId}`);
      if (!frozen) throw new Error(`no local worker ${lease.workerId}`);
      frozen.signal('SIGSTOP');
      const expired = await waitFor(() => db.manager.findOneByOrFail(AttemptEntity, { id: lease.id }), (a) => a.state !== 'active', 30_000, 'the lease to expire');
      expect(expired.state).toBe('expired');
      frozen.signal('SIGCONT');
      await expectIntactJob(farm, jobId);
      const after = await db.manager.findOneByOrFail(AttemptEntity, { id: lease.id });
      expect(after.state).toBe('expired');
    } finally {
      await db.close();
    }
  });
});

import { AttemptEntity } from '@tessera/persistence';
import { startTestFarm, type TestFarm } from '../e2e/farm.harness';
import { activeAttempts, expectIntactJob, openFarmDatabase, referenceHashes, submitChaosJob, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

describe('chaos: a worker frozen past its lease', () => {
  let t: TestFarm | undefined;

  beforeAll(async () => {
    await referenceHashes();
    t = await startTestFarm({ workers: 2 });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('SIGSTOP a rendering worker past its lease, then SIGCONT: its late result is never accepted over the new one', async () => {
    const farm = t as TestFarm;
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

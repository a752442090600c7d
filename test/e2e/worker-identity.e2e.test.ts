import { join } from 'node:path';
import { readIdentityFile } from '@tessera/messaging';
import { Database, databaseConfigFrom, RejectedResultEntity, WorkerEntity } from '@tessera/persistence';
import { EXAMPLES, startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(180_000);

/** Local workers of `tessera up`: their own identities, allowed on the embedded NATS, revocable. */
describe('worker identities on the embedded NATS', () => {
  let t: TestFarm | undefined;
  let db: Database;

  beforeAll(async () => {
    t = await startTestFarm({ workers: 2 });
    const config = t.farm.config as NonNullable<TestFarm['farm']['config']>;
    db = await Database.open(databaseConfigFrom(config.databaseUrl, join(config.home, 'tessera.sqlite')));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await t?.stop();
  });

  it('gives each local worker an identity file of mode 0600, allows its key, and records the key at registration', async () => {
    const farm = t as TestFarm;
    const home = (farm.farm.config as NonNullable<TestFarm['farm']['config']>).home;
    for (const id of ['local-1', 'local-2']) {
      const { publicKey } = readIdentityFile(join(home, 'workers', id, 'identity.nk'));
      expect(farm.farm.natsAuthorization?.workers()).toContainEqual(expect.objectContaining({ workerId: id, publicKey }));
      expect((await db.manager.findOneBy(WorkerEntity, { id }))?.publicKey).toBe(publicKey);
    }
  });

  it('renders a job with signed results only: nothing is refused', async () => {
    const farm = t as TestFarm;
    const scene = await farm.api.uploadScene(join(EXAMPLES, 'still.scene.json'), 'builtin');
    const { id } = await farm.api.submitJob({ sceneId: scene.id, width: 32, height: 16, samples: 2, tiles: '2x2' });
    for (let i = 0; ; i++) {
      const job = await farm.api.job(id);
      if (job.state === 'completed') break;
      if (i > 600 || job.state === 'failed') throw new Error(`job ${job.state}: ${JSON.stringify(job.errors)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await db.manager.count(RejectedResultEntity)).toBe(0);
  });

  it('revoking a worker disconnects it, and the worker stops instead of rendering tiles it cannot report', async () => {
    const farm = t as TestFarm;
    const worker = farm.farm.workers.find((w) => w.name === 'worker local-2');
    expect(farm.farm.natsAuthorization?.revokeWorker('local-2')).toBe(true);
    await worker?.waitFor(/NATS closed the connection: .*Authorization Violation.*; stopping/, 30_000);
  });
});

import { join } from 'node:path';
import { areaPrice, FEES_ACCOUNT_ID, splitFee } from '@tessera/domain';
import { Database, databaseConfigFrom, LedgerRepository, TileEntity, AttemptEntity, WorkerEntity } from '@tessera/persistence';
import { EXAMPLES, loadBuiltFarm, startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(180_000);

/** The builtin renderer's default price (PRICE_BUILTIN_PER_MEGASAMPLE) and fee (PLATFORM_FEE_BASIS_POINTS). */
const RATE = 1_000;
const FEE = 1_000;

/**
 * A job paid for end to end: the studio's balance, the local operator's and the platform's fees are read
 * before and after, and must move by exactly what the pricing rules say for the tiles and the spot-check
 * regions that were rendered, to the micro-credit.
 */
describe('credits end to end', () => {
  let t: TestFarm;
  beforeAll(async () => {
    t = await startTestFarm({ workers: 2 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  const json = async <T>(response: Response) => (await response.json()) as T;
  const post = (path: string, body: unknown, key = t.adminKey) =>
    t.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, key);
  const available = async (accountId: string) => (await json<{ balance: { available: number } }>(await t.fetch(`/v1/accounts/${accountId}`))).balance.available;

  it('the studio pays the tiles and the checks from its escrow, the operator earns them less the fee, the rest comes back', async () => {
    const studio = await json<{ id: string }>(await post('/v1/accounts', { name: 'Studio Nord', role: 'studio' }));
    const { key } = await json<{ key: string }>(await post('/v1/keys', { name: 'pipeline', scopes: ['read', 'submit'], accountId: studio.id }));
    await post(`/v1/accounts/${studio.id}/credits`, { credits: '1' });
    const db = await Database.open(databaseConfigFrom((t.farm.config as NonNullable<TestFarm['farm']['config']>).databaseUrl, ''));
    try {
      const ledger = new LedgerRepository(db);
      const before = { operator: await available('local-operator'), fees: (await ledger.balance(FEES_ACCOUNT_ID)).available };

      const client = new (loadBuiltFarm().ApiClient)(t.apiUrl, key);
      const scene = await client.uploadScene(join(EXAMPLES, 'orbit.scene.json'), 'builtin');
      const submitted = await client.submitJob({ sceneId: scene.id, frames: '1-2', width: 160, height: 90, samples: 8, tiles: '2x2' });
      // Each 80x45 tile is 28,800 samples: 28.8 -> 29 micro-credits; 8 tiles; a 10% allowance, rounded up.
      expect(submitted.cost).toMatchObject({ held: 8 * 29 + 24, spent: 0, settled: false });
      let job = submitted;
      for (let i = 0; i < 600 && !['completed', 'failed', 'cancelled'].includes(job.state); i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        job = await client.job(submitted.id);
      }
      expect(job.state).toBe('completed');

      // What the rules say: each accepted tile at its price, each accepted check region at its own, all paid
      // to the local operator (both workers are its), the fee rounded down; checks charged to the allowance.
      const tiles = await db.manager.findBy(TileEntity, { jobId: job.id, state: 'accepted' });
      const workers = await db.manager.findBy(WorkerEntity, {});
      expect(workers.filter((w) => w.id.startsWith('local-')).every((w) => w.operatorId === 'local-operator')).toBe(true);
      const attempts = new Map((await db.manager.findBy(AttemptEntity, { jobId: job.id })).map((a) => [a.id, a]));
      expect(tiles.every((tile) => attempts.get(tile.leaseId as string)?.workerId.startsWith('local-'))).toBe(true);
      const price = (tile: TileEntity) => areaPrice(RATE, tile, 8);
      const renders = tiles.filter((tile) => tile.purpose === 'render');
      const checks = tiles.filter((tile) => tile.purpose !== 'render');
      expect(renders).toHaveLength(8);
      const tilesPrice = renders.reduce((sum, tile) => sum + price(tile), 0);
      const checksPrice = checks.reduce((sum, tile) => sum + price(tile), 0);
      const payouts = tiles.reduce((sum, tile) => sum + splitFee(price(tile), FEE).payout, 0);
      const fees = tiles.reduce((sum, tile) => sum + splitFee(price(tile), FEE).fee, 0);
      const charged = tilesPrice + Math.min(checksPrice, 24);

      expect(tilesPrice).toBe(8 * 29);
      expect(job.cost).toMatchObject({ held: 256, spent: charged, refunded: 256 - charged, settled: true });
      expect(await available(studio.id)).toBe(1_000_000 - charged);
      expect(await available('local-operator')).toBe(before.operator + payouts);
      expect((await ledger.balance(FEES_ACCOUNT_ID)).available).toBe(before.fees + fees);
      expect(await ledger.totals()).toBe(0);
      const me = await client.me();
      expect(me.balance).toMatchObject({ available: 1_000_000 - charged, held: 0, pending: 0 });
    } finally {
      await db.close();
    }
  });
});

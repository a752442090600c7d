import { Test, type TestingModule } from '@nestjs/testing';
import { join } from 'node:path';
import { encodePng } from '@tessera/imaging';
import { ensureIdentityFile } from '@tessera/messaging';
import { JobBlocklistEntity, WorkerEntity, WorkerReputationEntity } from '@tessera/persistence';
import { BuiltinRenderer, RendererRegistry, type RenderedTile, type Renderer, type RenderTileRequest } from '@tessera/renderers';
import { tempDir, type TempDir } from '@tessera/testing';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { expectIntactJob, openFarmDatabase, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

type Cheat = 'black' | 'noise' | 'fewer-samples' | 'neighbour' | 'replay' | 'honest-then-black';

/**
 * honest-then-black: this many honest renders first (tiles and check regions alike), so that it has earned a
 * streak before it starts to lie. Few enough that any run gives it more renders than that.
 */
const HONEST_FIRST = 10;

/**
 * The real builtin renderer, with one way of cheating: what a worker paid per tile might try. The pixels are
 * well-formed PNGs of the right size and bit depth with an honest pixel hash, so only a spot-check can tell.
 */
class CheatingRenderer implements Renderer {
  readonly name = 'builtin' as const;
  private readonly inner = new BuiltinRenderer();
  /** replay: the first render of each size, handed in again for every later region of that size. */
  private readonly earlier = new Map<string, RenderedTile>();
  private rendered = 0;

  constructor(private readonly cheat: Cheat) {}

  version(): Promise<string> {
    return this.inner.version();
  }

  inspect(path: string) {
    return this.inner.inspect(path);
  }

  async renderTile(request: RenderTileRequest): Promise<RenderedTile> {
    const { width, height } = request.region;
    this.rendered += 1;
    switch (this.cheat) {
      case 'honest-then-black':
        if (this.rendered <= HONEST_FIRST) return this.inner.renderTile(request);
        return { png: await encodePng({ data: new Uint8Array(width * height * 3), width, height, channels: 3 }, 8), device: 'cpu' };
      case 'replay': {
        const size = `${width}x${height}`;
        const old = this.earlier.get(size);
        if (old) return old;
        const tile = await this.inner.renderTile(request);
        this.earlier.set(size, tile);
        return tile;
      }
      case 'black':
        return { png: await encodePng({ data: new Uint8Array(width * height * 3), width, height, channels: 3 }, 8), device: 'cpu' };
      case 'noise': {
        const data = new Uint8Array(width * height * 3).map(() => Math.floor(Math.random() * 256));
        return { png: await encodePng({ data, width, height, channels: 3 }, 8), device: 'cpu' };
      }
      case 'fewer-samples':
        return this.inner.renderTile({ ...request, samples: Math.max(1, Math.floor(request.samples / 4)) });
      case 'neighbour': {
        // The next region along the row (or the previous one at the frame's edge): real pixels, wrong place.
        const x = request.region.x + width <= request.width - width ? request.region.x + width : Math.max(0, request.region.x - width);
        return this.inner.renderTile({ ...request, region: { ...request.region, x } });
      }
    }
  }
}

describe('chaos: cheating workers are caught by spot-checks', () => {
  // Checks wait half a second for a worker of another operator; the farm's own workers share one operator.
  const farmOf = useChaosFarm({ workers: 2, env: { CHECK_OTHER_OPERATOR_WAIT_MS: '500' } });
  let cache: TempDir | undefined;

  beforeAll(async () => {
    cache = await tempDir('cheating-worker');
  });
  afterAll(async () => {
    await cache?.remove();
  });

  /** An operator account of its own, through the API, as a stranger joining the farm would have. */
  async function strangerOperator(name: string): Promise<{ id: string; key: string }> {
    const farm = farmOf();
    const post = (path: string, body: unknown, key = farm.adminKey) =>
      farm.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, key).then((r) => r.json() as Promise<Record<string, string>>);
    const account = await post('/v1/accounts', { name, role: 'operator' });
    const { key } = await post('/v1/keys', { name, scopes: ['read', 'operate'], accountId: account.id });
    return { id: account.id, key };
  }

  /** A real worker (the worker app's own module) in this process, with a cheating renderer, registered by a stranger. */
  async function startCheater(cheat: Cheat): Promise<{ module: TestingModule; operator: { id: string; key: string } }> {
    const farm = farmOf();
    const operator = await strangerOperator(`cheater ${cheat}`);
    const identity = ensureIdentityFile(join((cache as TempDir).path, `cheat-${cheat}.nk`));
    const registered = await farm.fetch('/v1/workers', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ publicKey: identity.publicKey, workerId: `cheat-${cheat}` }),
    }, operator.key);
    // Registering through the API is what lets the worker onto the farm's NATS.
    expect(registered.status).toBe(201);
    const module = await Test.createTestingModule({
      imports: [
        WorkerModule.forRoot({
          natsUrl: farm.farm.config?.natsUrl as string, workerId: `cheat-${cheat}`, identity, name: `cheat ${cheat}`, slots: 1,
          cacheDir: (cache as TempDir).path, drainTimeoutMs: 100, tileTimeoutMs: 900_000, idlePollMs: 100, requestTimeoutMs: 5000,
          blenderMode: 'cold', blenderDevice: 'cpu',
        }),
      ],
    })
      .overrideProvider(RendererRegistry)
      .useValue(new RendererRegistry([new CheatingRenderer(cheat)]))
      .compile();
    module.useLogger(false);
    await module.init();
    return { module, operator };
  }

  it.each(['black', 'noise', 'fewer-samples', 'neighbour', 'replay', 'honest-then-black'] as const)(
    'a worker that cheats (%s) is caught, blocklisted and flagged, its earnings forfeited; the frames are exact; honest workers keep their streaks',
    async (cheat) => {
      const farm = farmOf();
      const { module, operator } = await startCheater(cheat);
      const db = await openFarmDatabase(farm);
      try {
        const jobId = await submitChaosJob(farm);
        const listed = await waitFor(
          () => db.manager.findOneBy(JobBlocklistEntity, { jobId, workerId: `cheat-${cheat}` }),
          (row) => row !== null,
          180_000,
          `cheat-${cheat} to be caught`,
        );
        expect(listed?.reason).toContain('caught by a spot-check');
        await expectIntactJob(farm, jobId);
        const job = await farm.api.job(jobId);
        expect(job.checks.failed + job.checks.checkerFailed).toBeGreaterThan(0);
        expect(await db.manager.findOneByOrFail(WorkerEntity, { id: `cheat-${cheat}` })).toMatchObject({ flaggedAt: expect.any(Number) });
        // Honest workers: never flagged, never blocklisted, their streaks intact.
        for (const honest of ['local-1', 'local-2']) {
          expect(await db.manager.findOneByOrFail(WorkerEntity, { id: honest })).toMatchObject({ flaggedAt: null });
          expect(await db.manager.findOneBy(JobBlocklistEntity, { jobId, workerId: honest })).toBeNull();
          const records = await db.manager.findBy(WorkerReputationEntity, { workerId: honest });
          expect(records.every((r) => r.invalidResults === 0 && r.consecutiveValid > 0)).toBe(true);
        }
        // Its operator sees it flagged, streak reset, its next result checked for sure.
        const registered = (await (await farm.fetch('/v1/workers', {}, operator.key)).json()) as Array<{ workers: Array<Record<string, unknown>> }>;
        expect(registered).toHaveLength(1);
        expect(registered[0].workers).toEqual([
          expect.objectContaining({ id: `cheat-${cheat}`, flaggedAt: expect.any(String), reputations: [expect.objectContaining({ streak: 0, checkRate: 1 })] }),
        ]);
        // The cheater's operator keeps nothing of this job: its pending earnings were forfeited before settlement.
        const me = (await (await farm.fetch('/v1/accounts/me', {}, operator.key)).json()) as { balance: { available: number; pending: number } };
        expect(me.balance).toMatchObject({ available: 0, pending: 0 });
      } finally {
        await db.close();
        await module.close();
      }
    },
  );
});

import { Test, type TestingModule } from '@nestjs/testing';
import sharp from 'sharp';
import { AttemptEntity, JobBlocklistEntity } from '@tessera/persistence';
import { BuiltinRenderer, RendererRegistry, type RenderedTile, type Renderer, type RenderTileRequest } from '@tessera/renderers';
import { ensureIdentityFile } from '@tessera/messaging';
import { tempDir, type TempDir } from '@tessera/testing';
import { join } from 'node:path';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { expectIntactJob, openFarmDatabase, submitChaosJob, useChaosFarm, waitFor } from './chaos.harness';

jest.setTimeout(300_000);

type Fault = 'crash' | 'hang' | 'wrong-size' | 'slow';

/** The real builtin renderer with one fault added: what a broken install, driver or machine looks like. */
class FaultyRenderer implements Renderer {
  readonly name = 'builtin' as const;
  private readonly inner = new BuiltinRenderer();

  constructor(private readonly fault: Fault) {}

  version(): Promise<string> {
    return this.inner.version();
  }

  inspect(path: string) {
    return this.inner.inspect(path);
  }

  async renderTile(request: RenderTileRequest): Promise<RenderedTile> {
    if (this.fault === 'crash') throw new Error('renderer exited with signal SIGSEGV');
    if (this.fault === 'hang') {
      await new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }));
    }
    const tile = await this.inner.renderTile(request);
    if (this.fault === 'slow') {
      // Correct pixels, ten minutes late: an overloaded or throttled machine.
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, 600_000);
        request.signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('stopped'))), { once: true });
      });
      return tile;
    }
    const png = await sharp(tile.png).extract({ left: 0, top: 0, width: Math.max(1, request.region.width - 1), height: request.region.height }).png().toBuffer();
    return { ...tile, png };
  }
}

describe('chaos: renderers that crash, hang or write the wrong size', () => {
  const farmOf = useChaosFarm({ workers: 2, env: { RETRY_ELSEWHERE_MS: '60000', STRAGGLER_MIN_MS: '1000' } });
  let cache: TempDir | undefined;

  beforeAll(async () => {
    cache = await tempDir('faulty-worker');
  });

  afterAll(async () => {
    await cache?.remove();
  });

  /** A real worker (the worker app's own module) in this process, with a faulty renderer. */
  async function startFaultyWorker(fault: Fault, tileTimeoutMs = fault === 'hang' ? 1500 : 900_000): Promise<TestingModule> {
    const natsUrl = farmOf().farm.config?.natsUrl as string;
    // Allowed on the farm's NATS as an operator would register it.
    const identity = ensureIdentityFile(join((cache as TempDir).path, `faulty-${fault}.nk`));
    farmOf().farm.natsAuthorization?.allowWorker(identity.publicKey, `faulty-${fault}`);
    const module = await Test.createTestingModule({
      imports: [
        WorkerModule.forRoot({
          natsUrl, workerId: `faulty-${fault}`, identity, name: `faulty ${fault}`, slots: 1, cacheDir: (cache as TempDir).path,
          drainTimeoutMs: 100, tileTimeoutMs, idlePollMs: 100, requestTimeoutMs: 5000, blenderMode: 'cold', blenderDevice: 'cpu',
        }),
      ],
    })
      .overrideProvider(RendererRegistry)
      .useValue(new RendererRegistry([new FaultyRenderer(fault)]))
      .compile();
    module.useLogger(false);
    await module.init();
    return module;
  }

  it.each(['crash', 'hang', 'wrong-size'] as const)('a worker whose renderer fails (%s) is blocklisted; its tiles are retried elsewhere; the job completes', async (fault) => {
    const farm = farmOf();
    const faulty = await startFaultyWorker(fault);
    const db = await openFarmDatabase(farm);
    try {
      const jobId = await submitChaosJob(farm);
      const listed = await waitFor(
        () => db.manager.findOneBy(JobBlocklistEntity, { jobId, workerId: `faulty-${fault}` }),
        (row) => row !== null,
        120_000,
        `faulty-${fault} to be blocklisted`,
      );
      expect(listed?.reason).toContain('3 failed renders');
      await expectIntactJob(farm, jobId);
      const job = await farm.api.job(jobId);
      const expected = { crash: 'SIGSEGV', hang: 'render timed out', 'wrong-size': 'rejected: output is' }[fault];
      expect(job.errors.filter((e) => e.workerId === `faulty-${fault}`).map((e) => e.message)).toEqual(
        expect.arrayContaining([expect.stringContaining(expected)]),
      );
    } finally {
      await db.close();
      await faulty.close();
    }
  });

  it('a straggling worker gets a backup copy of its tile: the job does not wait for it, and its late lease is aborted', async () => {
    const farm = farmOf();
    const slow = await startFaultyWorker('slow');
    const db = await openFarmDatabase(farm);
    try {
      const jobId = await submitChaosJob(farm);
      // Well before the slow worker would have finished: the backup lease did the tile.
      await expectIntactJob(farm, jobId, 240_000);
      const attempts = await db.manager.findBy(AttemptEntity, { jobId, workerId: 'faulty-slow' });
      expect(attempts.length).toBeGreaterThan(0);
      expect(attempts.every((a) => a.state === 'aborted')).toBe(true);
      expect(attempts.map((a) => a.error)).toContainEqual(expect.stringContaining('finished first'));
    } finally {
      await db.close();
      await slow.close();
    }
  });
});

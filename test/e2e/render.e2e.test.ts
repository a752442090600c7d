import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareImages, decodePng, pixelHash } from '@tessera/imaging';
import { BuiltinRenderer } from '@tessera/renderers';
import { ObjectStorage } from '@tessera/storage';
import { EXAMPLES, startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(180_000);

/** The builtin renderer's own full-frame render, in this process: the reference every farm frame must equal. */
async function referenceFrame(frame: number, width: number, height: number, samples: number): Promise<Buffer> {
  const renderer = new BuiltinRenderer();
  const { png } = await renderer.renderTile({
    scenePath: join(EXAMPLES, 'orbit.scene.json'),
    frame,
    width,
    height,
    region: { x: 0, y: 0, width, height },
    samples,
    seed: 7,
    bitDepth: 8,
    signal: new AbortController().signal,
  });
  return png;
}

async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the farm end to end', () => {
  let t: TestFarm | undefined;

  beforeAll(async () => {
    t = await startTestFarm({ workers: 2 });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('renders a 2-frame job tiled 3x3 into frames pixel-identical to a full-frame render', async () => {
    const farm = t as TestFarm;
    const scene = await farm.api.uploadScene(join(EXAMPLES, 'orbit.scene.json'), 'builtin');
    expect(scene.info).toMatchObject({ frameStart: 1, frameEnd: 24, width: 640, height: 360 });
    const [width, height, samples] = [160, 90, 4];
    const job = await farm.api.submitJob({ sceneId: scene.id, frames: '3,12', width, height, samples, seed: 7, tiles: '3x3' });
    expect(job).toMatchObject({ state: 'queued', frameCount: 2, tiling: '3x3', tiles: expect.objectContaining({ total: 18 }) });

    const done = await waitUntil(() => farm.api.job(job.id), (j) => ['completed', 'failed', 'cancelled'].includes(j.state), 120_000, 'the job to end');
    expect(done).toMatchObject({ state: 'completed', framesDone: 2, tiles: expect.objectContaining({ accepted: 18, pending: 0, leased: 0 }) });

    const storage = new ObjectStorage((farm.farm.config as NonNullable<typeof farm.farm.config>).s3);
    for (const frame of [3, 12]) {
      const stored = await storage.getBuffer(`jobs/${job.id}/frames/${String(frame).padStart(4, '0')}.png`);
      const reference = await referenceFrame(frame, width, height, samples);
      const comparison = await compareImages(await decodePng(stored), await decodePng(reference));
      expect(comparison.identical).toBe(true);
      expect(await pixelHash(stored)).toBe(await pixelHash(reference));
      // What the API streams is what is stored.
      expect((await farm.api.frameImage(job.id, frame)).equals(stored)).toBe(true);
      const thumb = await decodePng(await storage.getBuffer(`jobs/${job.id}/thumbnails/${String(frame).padStart(4, '0')}.png`));
      expect(thumb.width).toBeLessThanOrEqual(320);
    }
    storage.onModuleDestroy();
  });

  it('cancelling a running job stops the workers on it, and they take the next job', async () => {
    const farm = t as TestFarm;
    const scene = await farm.api.uploadScene(join(EXAMPLES, 'orbit.scene.json'), 'builtin');
    // Heavy tiles (minutes each), so every lease is still rendering when the job is cancelled.
    const heavy = await farm.api.submitJob({ sceneId: scene.id, frames: '1-4', width: 640, height: 360, samples: 2048, tiles: '2x2' });
    await waitUntil(() => farm.api.job(heavy.id), (j) => j.tiles.leased === 2, 30_000, 'both workers to lease a tile');

    const cancelled = await farm.api.cancel(heavy.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.tiles).toMatchObject({ leased: 0, accepted: 0, cancelled: 16 });
    // Each worker hears of it at its next heartbeat and stops the render.
    for (const worker of farm.farm.workers) {
      await waitUntil(async () => worker.tail(200), (log) => /coordinator aborted lease/.test(log) && /tile \S+ \(frame \d+\) aborted/.test(log), 15_000, `${worker.name} to abort`);
    }
    const light = await farm.api.submitJob({ sceneId: scene.id, frames: '1', width: 64, height: 36, samples: 2, tiles: '2x1' });
    const finished = await waitUntil(() => farm.api.job(light.id), (j) => j.state === 'completed', 60_000, 'the next job to complete');
    expect(finished.framesDone).toBe(1);
    expect((await farm.api.job(heavy.id)).tiles.accepted).toBe(0);
  });

  it('uploading the same scene twice stores it once', async () => {
    const farm = t as TestFarm;
    const bytes = await readFile(join(EXAMPLES, 'still.scene.json'));
    const first = await farm.fetch('/v1/scenes?name=still.json', { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    const second = await farm.fetch('/v1/scenes?name=again.json', { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect([first.status, second.status]).toEqual([expect.any(Number), 200]);
    const a = (await first.json()) as { id: string };
    const b = (await second.json()) as { id: string; name: string };
    expect(b.id).toBe(a.id);
    expect(b.name).toBe('still.json');
  });

  it('a worker stopped with SIGTERM mid-tile gives its lease back at once', async () => {
    const farm = t as TestFarm;
    const scene = await farm.api.uploadScene(join(EXAMPLES, 'orbit.scene.json'), 'builtin');
    const heavy = await farm.api.submitJob({ sceneId: scene.id, frames: '1', width: 640, height: 360, samples: 2048, tiles: '2x1' });
    await waitUntil(() => farm.api.job(heavy.id), (j) => j.tiles.leased === 2, 30_000, 'both workers to lease a tile');
    const [leaving] = farm.farm.workers;
    await leaving.stop();
    const job = await waitUntil(() => farm.api.job(heavy.id), (j) => j.errors.some((e) => /released: worker shutting down/.test(e.message)), 10_000, 'the lease to be released');
    expect(job.errors.find((e) => /released/.test(e.message))?.workerId).toBe('local-1');
    expect(job.tiles.leased + job.tiles.pending).toBe(2);
    await farm.api.cancel(heavy.id);
  });

  it('streams a job\'s progress as server-sent events, ending with the job', async () => {
    const farm = t as TestFarm;
    const scene = await farm.api.uploadScene(join(EXAMPLES, 'orbit.scene.json'), 'builtin');
    const job = await farm.api.submitJob({ sceneId: scene.id, frames: '1-2', width: 64, height: 36, samples: 2, tiles: '2x1' });
    const response = await farm.fetch(`/v1/jobs/${job.id}/events`);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    // The stream closes by itself once the job has ended.
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\S+)\ndata: (.*)$/gm)].map(([, type, data]) => ({ type, data: JSON.parse(data) as Record<string, unknown> }));
    expect(events[0]).toMatchObject({ type: 'job', data: { id: job.id } });
    expect(events.filter((e) => e.type === 'tile.accepted')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'frame.stitched').map((e) => e.data.frame).sort()).toEqual([1, 2]);
    expect(events.at(-1)).toMatchObject({ type: 'job.state', data: { state: 'completed' } });
    // Watching needs a key like everything else; a job that has ended answers its snapshot and closes.
    expect((await farm.fetch(`/v1/jobs/${job.id}/events`, {}, `tsk_aaaaaaaaaaaa_${'a'.repeat(43)}`)).status).toBe(401);
    const again = await (await farm.fetch(`/v1/jobs/${job.id}/events`)).text();
    expect(again).toMatch(/^event: job\ndata: \{.*"state":"completed"/);
  });
});

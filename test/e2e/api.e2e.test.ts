import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { EXAMPLES, fetchWithKey, startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(120_000);

const OPENAPI_FILE = resolve(__dirname, '..', '..', 'docs', 'openapi.json');

describe('the HTTP API', () => {
  let t: TestFarm | undefined;
  let base = '';
  let sceneId = '';

  /** Every request here carries the local admin's key; accounts.e2e covers keys and their absence. */
  const authed = (url: string, init?: RequestInit) => fetchWithKey(url, (t as TestFarm).adminKey, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    authed(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const upload = (bytes: Buffer | string, query = '') =>
    authed(`${base}/v1/scenes${query}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  const message = async (response: Response) => {
    const body = (await response.json()) as { message: string | string[] };
    return Array.isArray(body.message) ? body.message.join('; ') : body.message;
  };

  beforeAll(async () => {
    // No workers: these tests are about what the API accepts and refuses, and nothing renders.
    t = await startTestFarm({ workers: 0, env: { MAX_SCENE_BYTES: '1000000' } });
    base = t.apiUrl;
    const scene = await upload(await readFile(join(EXAMPLES, 'orbit.scene.json')), '?name=orbit.scene.json');
    expect(scene.status).toBe(201);
    sceneId = ((await scene.json()) as { id: string }).id;
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  describe('POST /v1/jobs', () => {
    it.each([
      [{ bogus: 1 }, 'property bogus should not exist'],
      [{ width: '100' }, 'width must be an integer number'],
      [{ width: 0 }, 'width must not be less than 1'],
      [{ height: 100_000 }, 'height must not be greater than 16384'],
      [{ samples: 1.5 }, 'samples must be an integer number'],
      [{ bitDepth: 12 }, 'bitDepth must be one of the following values: 8, 16'],
      [{ frames: '1-30' }, "is outside the scene's range 1-24"],
      [{ frames: '9-3' }, 'descending'],
      [{ frames: 'x' }, 'frames'],
      [{ width: 40, tiles: '50x1' }, 'tiling 50x1 needs at least 50 pixels of width'],
      [{ tiles: '4by3' }, 'tiling'],
      [{ renderer: 'blender' }, 'the scene was uploaded for builtin, not blender'],
      [{ rendererVersion: 'new' }, 'rendererVersion: "new" is not a version range such as ">=3.4"'],
    ])('refuses %j with a 400 that says why', async (fields, expected) => {
      const response = await post('/v1/jobs', { sceneId, ...fields });
      expect(response.status).toBe(400);
      expect(await message(response)).toContain(expected);
    });

    it('refuses a job on a scene that does not exist', async () => {
      const response = await post('/v1/jobs', { sceneId: 'f'.repeat(64) });
      expect(response.status).toBe(400);
      expect(await message(response)).toContain('no scene with id');
    });

    it('refuses a body that is not JSON', async () => {
      const response = await post('/v1/jobs', '{"sceneId": ');
      expect(response.status).toBe(400);
      expect(await message(response)).toContain('not valid JSON');
    });

    it('is idempotent under an Idempotency-Key', async () => {
      const body = { sceneId, frames: '1-2', width: 32, height: 18, samples: 1 };
      const first = await post('/v1/jobs', body, { 'idempotency-key': 'studio-42' });
      const again = await post('/v1/jobs', body, { 'idempotency-key': 'studio-42' });
      expect([first.status, again.status]).toEqual([201, 200]);
      const [a, b] = [(await first.json()) as { id: string }, (await again.json()) as { id: string }];
      expect(b.id).toBe(a.id);
      const other = await post('/v1/jobs', { ...body, samples: 2 }, { 'idempotency-key': 'studio-42' });
      expect(other.status).toBe(422);
      expect(await message(other)).toContain('was used for a different request');
    });

    it('plans frames x tiles, lists the job, and reports frames that are not stitched yet', async () => {
      const response = await post('/v1/jobs', { sceneId, frames: '1,5,9-10', width: 100, height: 50, tiles: '3x2' });
      expect(response.status).toBe(201);
      const job = (await response.json()) as { id: string; frames: string; frameCount: number; tiles: { total: number; pending: number }; waitingFor: string };
      expect(job).toMatchObject({ frames: '1,5,9,10', frameCount: 4, tiles: { total: 24, pending: 24 } });
      // This farm has no workers: the job waits, and says for what.
      expect(job.waitingFor).toContain('no worker with builtin connected');
      const ranged = (await (await post('/v1/jobs', { sceneId, frames: '1', width: 32, height: 18, rendererVersion: '>=3.4' })).json()) as { rendererVersion: string; waitingFor: string };
      expect(ranged).toMatchObject({ rendererVersion: '>=3.4', waitingFor: expect.stringContaining('no worker with builtin >=3.4 connected') });
      const listed = (await (await authed(`${base}/v1/jobs?state=queued`)).json()) as Array<{ id: string }>;
      expect(listed.map((j) => j.id)).toContain(job.id);
      const notYet = await authed(`${base}/v1/jobs/${job.id}/frames/5`);
      expect(notYet.status).toBe(409);
      expect(await message(notYet)).toContain('frame 5 of job');
      expect((await authed(`${base}/v1/jobs/${job.id}/frames/2`)).status).toBe(404);
      expect((await authed(`${base}/v1/jobs/${job.id}/frames/two`)).status).toBe(400);
      const cancelled = await post(`/v1/jobs/${job.id}/cancel`, {});
      expect(cancelled.status).toBe(200);
      expect(((await cancelled.json()) as { state: string }).state).toBe('cancelled');
    });

    it('answers 404 for a job that does not exist', async () => {
      expect((await authed(`${base}/v1/jobs/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
      expect((await authed(`${base}/v1/jobs/nonsense`)).status).toBe(404);
    });
  });

  describe('POST /v1/scenes', () => {
    it('refuses a scene that is not JSON with a 422 that says where', async () => {
      const response = await upload('{"format": "tessera-scene/1",');
      expect(response.status).toBe(422);
      expect(await message(response)).toMatch(/JSON/);
    });

    it('refuses a scene the renderer cannot read, naming the field', async () => {
      const scene = JSON.parse(await readFile(join(EXAMPLES, 'still.scene.json'), 'utf8'));
      scene.objects[1].material = 'chrome';
      const response = await upload(JSON.stringify(scene));
      expect(response.status).toBe(422);
      expect(await message(response)).toContain('chrome');
    });

    it('refuses an upload over the size limit with a 413 and stores nothing', async () => {
      const response = await upload(Buffer.alloc(1_500_000, 32));
      expect(response.status).toBe(413);
      expect(await message(response)).toContain('limit');
    });

    it('refuses unknown query parameters and unknown renderers', async () => {
      expect((await upload('{}', '?colour=red')).status).toBe(400);
      const unknown = await upload('{}', '?renderer=maya');
      expect(unknown.status).toBe(400);
      expect(await message(unknown)).toContain('renderer must be one of the following values');
    });

    it('stores each scene once, and leaves nothing of an upload it refused', async () => {
      // The farm's own object storage, read with the farm's credentials: what uploads left behind.
      const s3 = (t as TestFarm).farm.config?.s3;
      if (!s3) throw new Error('the test farm has no storage settings');
      const client = new S3Client({
        endpoint: s3.endpoint, region: s3.region, forcePathStyle: s3.forcePathStyle,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      const sceneObjects = async () =>
        ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'scenes/' }))).Contents ?? []).map((o) => o.Key).sort();
      try {
        const before = await sceneObjects();
        expect((await upload('{"format": "tessera-scene/1",')).status).toBe(422);
        expect((await upload(Buffer.alloc(1_500_000, 32))).status).toBe(413);
        expect((await upload(await readFile(join(EXAMPLES, 'orbit.scene.json')), '?name=again.json')).status).toBe(200);
        expect(await sceneObjects()).toEqual(before);
        // Bytes no other test uploads (the same scene, indented by three): a new scene, stored once.
        const fresh = JSON.stringify(JSON.parse(await readFile(join(EXAMPLES, 'still.scene.json'), 'utf8')), null, 3);
        expect((await upload(fresh)).status).toBe(201);
        expect((await sceneObjects()).length).toBe(before.length + 1);
      } finally {
        client.destroy();
      }
    });

    it('serves a scene by id, and 404 for one that does not exist', async () => {
      const response = await authed(`${base}/v1/scenes/${sceneId}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: sceneId, renderer: 'builtin', info: { frameStart: 1, frameEnd: 24 } });
      expect((await authed(`${base}/v1/scenes/${'0'.repeat(64)}`)).status).toBe(404);
    });
  });

  it('reports its health and that of the services it stands on', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'up', storage: 'up', nats: 'up' } });
  });

  it('serves the OpenAPI document that is committed in docs/openapi.json', async () => {
    const served = `${JSON.stringify(await (await fetch(`${base}/docs/openapi.json`)).json(), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') await writeFile(OPENAPI_FILE, served);
    expect(await readFile(OPENAPI_FILE, 'utf8')).toBe(served);
  });
});

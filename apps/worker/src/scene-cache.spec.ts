import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir, type TempDir } from '@tessera/testing';
import { SceneCache, SceneIntegrityError } from './scene-cache';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe(SceneCache.name, () => {
  const scene = Buffer.from(JSON.stringify({ format: 'tessera-scene/1', note: 'x'.repeat(10_000) }));
  let served = scene;
  let requests = 0;
  let server: Server;
  let url = '';
  let dir: TempDir;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      requests += 1;
      response.end(served);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scene`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(async () => {
    dir = await tempDir('scene-cache');
    served = scene;
    requests = 0;
  });

  afterEach(() => dir.remove());

  it('downloads a scene once and serves it from disk afterwards, also to concurrent tiles', async () => {
    const cache = new SceneCache(dir.path);
    const ref = { sha256: sha256(scene), size: scene.length, url };
    const paths = await Promise.all([cache.get(ref), cache.get(ref), cache.get(ref)]);
    expect(new Set(paths).size).toBe(1);
    expect(await readFile(paths[0])).toEqual(scene);
    await cache.get(ref);
    expect(requests).toBe(1);
  });

  it('refuses a download that does not hash to what the lease says, and keeps nothing', async () => {
    served = Buffer.concat([scene.subarray(0, 100), Buffer.from('tampered'), scene.subarray(108)]);
    const cache = new SceneCache(dir.path);
    await expect(cache.get({ sha256: sha256(scene), size: scene.length, url })).rejects.toThrow(SceneIntegrityError);
    await expect(readFile(join(dir.path, sha256(scene)))).rejects.toThrow('ENOENT');
  });

  it('refuses a download larger than announced', async () => {
    const cache = new SceneCache(dir.path);
    await expect(cache.get({ sha256: sha256(scene), size: 10, url })).rejects.toThrow('larger than the 10 bytes announced');
  });

  it('notices a corrupted cached file and fetches the scene again', async () => {
    const ref = { sha256: sha256(scene), size: scene.length, url };
    await writeFile(join(dir.path, ref.sha256), Buffer.alloc(scene.length, 0));
    const path = await new SceneCache(dir.path).get(ref);
    expect(await readFile(path)).toEqual(scene);
    expect(requests).toBe(1);
  });
});

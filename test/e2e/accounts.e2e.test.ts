import { createUser } from '@nats-io/nkeys';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES, fetchWithKey, startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(120_000);

interface Account {
  id: string;
  key: string;
}

/**
 * Accounts, keys, scopes and isolation over real HTTP, on a farm without workers (nothing renders: what is
 * tested is who may see and do what, and what a submission holds).
 */
describe('accounts, API keys and isolation', () => {
  let t: TestFarm;
  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  const message = async (response: Response) => {
    const body = await json<{ message: string | string[] }>(response);
    return Array.isArray(body.message) ? body.message.join('; ') : body.message;
  };
  const as = (key: string) => ({
    get: (path: string) => t.fetch(path, {}, key),
    post: (path: string, body: unknown = {}, headers: Record<string, string> = {}) =>
      t.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, key),
    del: (path: string) => t.fetch(path, { method: 'DELETE' }, key),
    upload: (bytes: Buffer, name: string) =>
      t.fetch(`/v1/scenes?name=${name}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes }, key),
  });
  const admin = () => as(t.adminKey);

  /** An account opened by the admin, with one key of `scopes` and `credits` granted. */
  async function account(role: string, scopes: string[], credits?: string): Promise<Account> {
    const opened = await admin().post('/v1/accounts', { name: `${role} ${Math.random().toString(36).slice(2, 8)}`, role });
    expect(opened.status).toBe(201);
    const { id } = await json<{ id: string }>(opened);
    const issued = await admin().post('/v1/keys', { name: 'test', scopes, accountId: id });
    expect(issued.status).toBe(201);
    if (credits) expect((await admin().post(`/v1/accounts/${id}/credits`, { credits })).status).toBe(201);
    return { id, key: (await json<{ key: string }>(issued)).key };
  }

  beforeAll(async () => {
    t = await startTestFarm({ workers: 0 });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('`tessera up` leaves the local admin key in <home>/admin.key, readable by its owner only', async () => {
    const path = join(t.home.path, 'admin.key');
    expect((await readFile(path, 'utf8')).trim()).toBe(t.adminKey);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('every endpoint but health needs a key: none, a malformed one, an unknown one are 401 with WWW-Authenticate', async () => {
    const url = `${t.apiUrl}/v1/jobs`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await message(none)).toContain('missing API key');
    const basic = await fetch(url, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(await message(basic)).toContain('must be "Bearer <key>"');
    for (const key of ['nonsense', `tsk_abcdefghijkl_${'A'.repeat(43)}`, `${t.adminKey.slice(0, -1)}${t.adminKey.endsWith('A') ? 'B' : 'A'}`]) {
      const refused = await fetchWithKey(url, key);
      expect({ key, status: refused.status }).toEqual({ key, status: 401 });
      expect(await message(refused)).toBe('unknown or revoked API key');
    }
    expect((await fetch(`${t.apiUrl}/health`)).status).toBe(200);
  });

  it('a key shows once, is stored as a hash, and stops working when revoked', async () => {
    const artist = await account('artist', ['read', 'submit']);
    const me = await json<{ id: string; role: string; scopes: string[]; keyId: string }>(await as(artist.key).get('/v1/accounts/me'));
    expect(me).toMatchObject({ id: artist.id, role: 'artist', scopes: ['read', 'submit'] });
    const listed = await json<Array<Record<string, unknown>>>(await as(artist.key).get('/v1/keys'));
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('key');
    // The secret is what follows `tsk_<12-character id>_` (base64url, so it may hold '_' itself).
    expect(JSON.stringify(listed)).not.toContain(artist.key.slice('tsk_'.length + 13));
    const second = await json<{ id: string; key: string }>(await as(artist.key).post('/v1/keys', { name: 'ci', scopes: ['read'] }));
    expect((await as(second.key).get('/v1/accounts/me')).status).toBe(200);
    expect((await as(artist.key).del(`/v1/keys/${second.id}`)).status).toBe(200);
    expect((await as(second.key).get('/v1/accounts/me')).status).toBe(401);
    expect((await as(artist.key).del(`/v1/keys/${second.id}`)).status).toBe(200);
  });

  it('scopes: a key does only what it holds, and cannot hand on more', async () => {
    const artist = await account('artist', ['read', 'submit']);
    const readOnly = await json<{ key: string }>(await as(artist.key).post('/v1/keys', { name: 'dashboard', scopes: ['read'] }));
    const upload = await as(readOnly.key).upload(Buffer.from('{}'), 'x.json');
    expect(upload.status).toBe(403);
    expect(await message(upload)).toBe('this key has the scopes read; this request needs submit');
    const escalate = await as(readOnly.key).post('/v1/keys', { name: 'more', scopes: ['read', 'submit'] });
    expect(escalate.status).toBe(400);
    expect(await message(escalate)).toContain('cannot grant submit');
    const beyondRole = await admin().post('/v1/keys', { name: 'x', scopes: ['operate'], accountId: artist.id });
    expect(beyondRole.status).toBe(400);
    expect(await message(beyondRole)).toContain('an account of role artist can hold read, submit, not operate');
    expect((await as(artist.key).post('/v1/accounts', { name: 'me too', role: 'admin' })).status).toBe(403);
    expect((await as(artist.key).post(`/v1/accounts/${artist.id}/credits`, { credits: '1000' })).status).toBe(403);
    const operator = await account('operator', ['read', 'operate']);
    expect((await as(operator.key).post('/v1/jobs', { sceneId: 'a'.repeat(64) })).status).toBe(403);
  });

  it("isolation: another account's scenes, jobs, frames, tiles, logs and keys are 404, never 403", async () => {
    const alice = await account('studio', ['read', 'submit'], '100');
    const bob = await account('artist', ['read', 'submit'], '100');
    const bytes = await readFile(join(EXAMPLES, 'orbit.scene.json'));
    const scene = await json<{ id: string }>(await as(alice.key).upload(bytes, 'orbit.scene.json'));
    const job = await json<{ id: string }>(await as(alice.key).post('/v1/jobs', { sceneId: scene.id, frames: '1', width: 32, height: 18, samples: 1 }));
    const tiles = await json<Array<{ id: string }>>(await as(alice.key).get(`/v1/jobs/${job.id}/tiles`));
    const aliceKeys = await json<Array<{ id: string }>>(await as(alice.key).get('/v1/keys'));
    const theirs = [
      `/v1/scenes/${scene.id}`, `/v1/jobs/${job.id}`, `/v1/jobs/${job.id}/frames`, `/v1/jobs/${job.id}/frames/1`,
      `/v1/jobs/${job.id}/frames/1/thumbnail`, `/v1/jobs/${job.id}/tiles`, `/v1/jobs/${job.id}/tiles/${tiles[0].id}/log`,
    ];
    for (const path of theirs) expect({ path, status: (await as(bob.key).get(path)).status }).toEqual({ path, status: 404 });
    expect((await as(bob.key).post(`/v1/jobs/${job.id}/cancel`)).status).toBe(404);
    expect((await as(bob.key).del(`/v1/keys/${aliceKeys[0].id}`)).status).toBe(404);
    const listed = await json<Array<{ id: string }>>(await as(bob.key).get('/v1/jobs'));
    expect(listed.map((j) => j.id)).not.toContain(job.id);
    // Bob cannot submit on Alice's scene by its id either, and learns nothing from the answer.
    const onHers = await as(bob.key).post('/v1/jobs', { sceneId: scene.id });
    expect(onHers.status).toBe(400);
    expect(await message(onHers)).toContain(`no scene with id ${scene.id}`);
    // The same bytes uploaded by Bob are his scene too (stored once), under his own name.
    const his = await as(bob.key).upload(bytes, 'bobs.scene.json');
    expect(his.status).toBe(201);
    expect(await json(his)).toMatchObject({ id: scene.id, name: 'bobs.scene.json' });
    expect(await json(await as(alice.key).get(`/v1/scenes/${scene.id}`))).toMatchObject({ name: 'orbit.scene.json' });
    // The admin sees every account's jobs.
    expect((await admin().get(`/v1/jobs/${job.id}`)).status).toBe(200);
  });

  it("isolation of workers: an operator sees and revokes only its own; a key another operator holds is 409", async () => {
    const first = await account('operator', ['read', 'operate']);
    const second = await account('operator', ['read', 'operate']);
    const publicKey = createUser().getPublicKey();
    const registered = await as(first.key).post('/v1/workers', { publicKey, workerId: 'gpu-1' });
    expect(registered.status).toBe(201);
    expect((await as(first.key).post('/v1/workers', { publicKey, workerId: 'gpu-1', name: 'gpu-1b' })).status).toBe(200);
    const taken = await as(second.key).post('/v1/workers', { publicKey, workerId: 'mine' });
    expect(taken.status).toBe(409);
    expect(await message(taken)).toBe(`worker key ${publicKey} is registered by another operator`);
    expect(await json<unknown[]>(await as(second.key).get('/v1/workers'))).toEqual([]);
    expect(await json(await as(first.key).get('/v1/workers'))).toEqual([expect.objectContaining({ publicKey, workerId: 'gpu-1', name: 'gpu-1b', revokedAt: null, workers: [] })]);
    expect((await as(second.key).post(`/v1/workers/${publicKey}/revoke`, {})).status).toBe(404);
    const bad = await as(first.key).post('/v1/workers', { publicKey: 'not-a-key', workerId: 'x y' });
    expect(bad.status).toBe(400);
    const badMessage = await message(bad);
    expect(badMessage).toContain('publicKey must be a worker public key');
    expect(badMessage).toContain('workerId must be 1 to 64 characters');
    const typo = await as(first.key).post('/v1/workers', { publicKey: `U${'A'.repeat(55)}`, workerId: 'x' });
    expect(typo.status).toBe(400);
    expect(await message(typo)).toContain('its checksum does not match');
    const revoked = await admin().post(`/v1/workers/${publicKey}/revoke`, { reason: 'caught cheating' });
    expect(await json(revoked)).toMatchObject({ revokedReason: 'caught cheating', revokedAt: expect.any(String) });
  });

  it('submission holds the estimate in escrow; a balance too small is 402 with what is missing; a replay holds nothing', async () => {
    const artist = await account('artist', ['read', 'submit'], '0.001');
    const bytes = await readFile(join(EXAMPLES, 'orbit.scene.json'));
    const scene = await json<{ id: string }>(await as(artist.key).upload(bytes, 'orbit.scene.json'));
    // 320x180 at 4 samples is 0.2304 megasamples: 231 micro-credits of tiles at the builtin's 1,000 per megasample,
    // 2 x 116 = 232 in all (tiles are priced one by one, rounded up), plus a 10% allowance rounded up.
    const body = { sceneId: scene.id, frames: '1', width: 320, height: 180, samples: 4, tiles: '2x1' };
    const held = await as(artist.key).post('/v1/jobs', body, { 'idempotency-key': 'once' });
    expect(held.status).toBe(201);
    const job = await json<{ id: string; cost: Record<string, unknown> }>(held);
    expect(job.cost).toMatchObject({ held: 232 + 24, spent: 0, refunded: 0, settled: false, heldCredits: '0.000256' });
    expect(await json(await as(artist.key).get('/v1/accounts/me'))).toMatchObject({ balance: { available: 1_000 - 256, held: 256, pending: 0 } });
    const replay = await as(artist.key).post('/v1/jobs', body, { 'idempotency-key': 'once' });
    expect(replay.status).toBe(200);
    expect(await json(await as(artist.key).get('/v1/accounts/me'))).toMatchObject({ balance: { available: 744, held: 256 } });
    const big = await as(artist.key).post('/v1/jobs', { ...body, width: 1280, height: 720, samples: 16 });
    expect(big.status).toBe(402);
    expect(await message(big)).toBe('balance 0.000744 credits, the estimate is 0.016221 credits: 0.015477 credits missing');
    // Cancelling refunds all of it: nothing was rendered.
    const cancelled = await json<{ cost: Record<string, unknown> }>(await as(artist.key).post(`/v1/jobs/${job.id}/cancel`));
    expect(cancelled.cost).toMatchObject({ spent: 0, refunded: 256, settled: true });
    expect(await json(await as(artist.key).get('/v1/accounts/me'))).toMatchObject({ balance: { available: 1_000, held: 0 } });
    const statement = await json<Array<{ kind: string; amount: number; pocket: string }>>(await as(artist.key).get('/v1/accounts/me/ledger?limit=2'));
    expect(statement.map((line) => [line.kind, line.pocket, line.amount])).toEqual([['refund', 'available', 256], ['refund', 'allowance', -24]]);
  });

  it('jobs come in pages, newest first; a page goes on after the last job of the previous one', async () => {
    const artist = await account('artist', ['read', 'submit'], '1');
    const bytes = await readFile(join(EXAMPLES, 'orbit.scene.json'));
    const scene = await json<{ id: string }>(await as(artist.key).upload(bytes, 'orbit.scene.json'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await json<{ id: string }>(await as(artist.key).post('/v1/jobs', { sceneId: scene.id, frames: '1', width: 16, height: 9, samples: 1 }))).id);
    const page = async (query: string) => (await json<Array<{ id: string }>>(await as(artist.key).get(`/v1/jobs?${query}`))).map((j) => j.id);
    const first = await page('limit=2');
    const second = await page(`limit=2&before=${first[1]}`);
    const third = await page(`limit=2&before=${second[1]}`);
    expect([...first, ...second, ...third].sort()).toEqual([...ids].sort());
    expect(new Set([...first, ...second, ...third]).size).toBe(5);
    expect(await page(`limit=2&before=${third[0]}`)).toEqual([]);
    const bad = await as(artist.key).get('/v1/jobs?before=nonsense');
    expect(bad.status).toBe(400);
    expect(await message(bad)).toContain('before must be the id of a job');
  });

  it('credits are granted by an admin, as exact decimal amounts', async () => {
    const artist = await account('artist', ['read']);
    const granted = await admin().post(`/v1/accounts/${artist.id}/credits`, { credits: '12.345678', memo: 'welcome' });
    expect(await json(granted)).toMatchObject({ balance: { available: 12_345_678, availableCredits: '12.345678' } });
    for (const credits of ['1.2345678', '-5', '0x10', 'ten']) {
      const refused = await admin().post(`/v1/accounts/${artist.id}/credits`, { credits });
      expect({ credits, status: refused.status }).toEqual({ credits, status: 400 });
    }
    expect((await admin().post('/v1/accounts/nobody/credits', { credits: '1' })).status).toBe(404);
    expect((await admin().post('/v1/accounts/system:mint/credits', { credits: '1' })).status).toBe(404);
  });
});

describe('rate limits', () => {
  let t: TestFarm;
  beforeAll(async () => {
    t = await startTestFarm({ workers: 0, env: { API_RATE_LIMIT_PER_MINUTE: '5' } });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('a key over its rate gets 429 with Retry-After; another key is not slowed by it', async () => {
    const created = await t.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'other', scopes: ['read'] }) });
    const other = ((await created.json()) as { key: string }).key;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.fetch('/v1/accounts/me')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await t.fetch('/v1/accounts/me');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { code: string }).code).toBe('rate_limited');
    expect((await t.fetch('/v1/accounts/me', {}, other)).status).toBe(200);
  });
});

import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createUser } from '@nats-io/nkeys';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  heartbeatReplySchema,
  registerReplySchema,
  releaseReplySchema,
  RESULTS_CONSUMER,
  resultSigner,
  signResult,
  streams,
  subjects,
  workReplySchema,
  type Lease,
  type ResultSigner,
  type UnsignedTileResult,
} from '@tessera/contracts';
import { encodePng, pixelHash } from '@tessera/imaging';
import { connectNats, decodeJson, encodeJson, readIdentityFile, RemoteError, requestJson } from '@tessera/messaging';
import { Database, databaseConfigFrom, RejectedResultEntity } from '@tessera/persistence';
import { BuiltinRenderer } from '@tessera/renderers';
import { EXAMPLES, startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(120_000);

/** Generous: the coordinator shares the machine with the rest of the suite. */
const TIMEOUT = 15_000;

/** A worker written against docs/protocol.md alone: its own NKey, its own subjects and inbox, raw NATS. */
interface HandWorker {
  id: string;
  nc: NatsConnection;
  signer: ResultSigner;
}

/**
 * A worker written against docs/protocol.md alone, speaking raw NATS: what an honest worker gets, and what
 * the coordinator does with malformed, misdirected, unsigned, forged and replayed messages.
 */
describe('the NATS protocol, spoken by a hand-written worker', () => {
  let t: TestFarm | undefined;
  let db: Database;
  const workers: HandWorker[] = [];
  const capabilities = { renderers: [{ name: 'builtin', version: 'builtin-1.0.0' }], cpuCores: 1, memoryMiB: 1024, gpus: [], slots: 1 };

  /** Allowed on the farm's NATS with a fresh key, as an operator registering it would. */
  async function joinFarm(id: string): Promise<HandWorker> {
    const farm = t as TestFarm;
    const key = createUser();
    farm.farm.natsAuthorization?.allowWorker(key.getPublicKey(), id);
    const nc = await connectNats(farm.farm.config?.natsUrl as string, `hand-${id}`, {
      seed: key.getSeed(),
      inboxPrefix: subjects.inbox(id),
      onUnauthorised: (error, attempt) => {
        if (attempt > 20) throw error;
      },
    });
    const worker = { id, nc, signer: resultSigner(key.getSeed()) };
    workers.push(worker);
    return worker;
  }

  const register = (w: HandWorker) =>
    requestJson(w.nc, subjects.workerRegister(w.id), { workerId: w.id, name: w.id, protocol: 'v1', publicKey: w.signer.publicKey, capabilities }, registerReplySchema, TIMEOUT);
  const work = (w: HandWorker) => requestJson(w.nc, subjects.workRequest(w.id), { workerId: w.id, max: 1 }, workReplySchema, TIMEOUT);
  const beat = (w: HandWorker, leaseIds: string[]) => requestJson(w.nc, subjects.heartbeat(w.id), { workerId: w.id, leaseIds }, heartbeatReplySchema, TIMEOUT);
  const publish = (w: HandWorker, result: unknown) => jetstream(w.nc).publish(subjects.result(w.id), encodeJson(result));

  beforeAll(async () => {
    // The hand-written workers heartbeat only when a test says so: leases must outlive a slow step of a test
    // (a key allowed mid-test reloads nats-server), or the lease under test expires on a loaded machine.
    t = await startTestFarm({ workers: 0, env: { LEASE_TTL_MS: '60000' } });
    const config = t.farm.config as NonNullable<TestFarm['farm']['config']>;
    db = await Database.open(databaseConfigFrom(config.databaseUrl, join(config.home, 'tessera.sqlite')));
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) await w.nc.close().catch(() => undefined);
    await db?.close();
    await t?.stop();
  });

  async function submitTinyJob(): Promise<string> {
    const farm = t as TestFarm;
    const scene = await farm.api.uploadScene(join(EXAMPLES, 'still.scene.json'), 'builtin');
    return (await farm.api.submitJob({ sceneId: scene.id, width: 8, height: 4, samples: 1, tiles: '1x1' })).id;
  }

  /** A lease of `jobId`'s tile; leases of other work (a spot-check of an earlier test's tile) are given back. */
  async function leaseOne(w: HandWorker, jobId: string): Promise<Lease> {
    await register(w);
    let last: unknown;
    for (let i = 0; i < 100; i++) {
      const { leases } = await work(w);
      const lease = leases[0];
      last = lease;
      if (lease?.jobId === jobId) return lease;
      if (lease) await requestJson(w.nc, subjects.leaseRelease(w.id), { workerId: w.id, leaseIds: [lease.leaseId], reason: 'not this test' }, releaseReplySchema, TIMEOUT);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no lease of job ${jobId}; last: ${JSON.stringify(last)}`);
  }

  /** Renders the lease honestly, uploads it, and returns the unsigned result an honest worker would send. */
  async function renderHonestly(w: HandWorker, lease: Lease): Promise<UnsignedTileResult> {
    const { png } = await new BuiltinRenderer().renderTile({
      scenePath: join(EXAMPLES, 'still.scene.json'), frame: lease.frame, width: lease.width, height: lease.height, region: lease.region,
      samples: lease.samples, seed: lease.seed, bitDepth: lease.bitDepth, signal: new AbortController().signal,
    });
    expect((await fetch(lease.output.url, { method: 'PUT', body: png, headers: { 'content-type': 'image/png' } })).ok).toBe(true);
    return {
      status: 'rendered', leaseId: lease.leaseId, tileId: lease.tileId, attempt: lease.attempt, workerId: w.id,
      pixelSha256: await pixelHash(png), width: lease.region.width, height: lease.region.height, renderSeconds: 0.1, device: 'cpu', rendererVersion: 'builtin-1.0.0',
    };
  }

  const rejections = (leaseId: string) => db.manager.find(RejectedResultEntity, { where: { leaseId }, order: { receivedAt: 'ASC' } });

  it('answers a malformed request with an error reply naming the field', async () => {
    const w = await joinFarm('malformed');
    await expect(requestJson(w.nc, subjects.workRequest(w.id), { workerId: 'w 1', max: 0 }, workReplySchema, TIMEOUT)).rejects.toThrow(
      /invalid work request: workerId: must be 1-64 characters.*max: /,
    );
    const raw = decodeJson((await w.nc.request(subjects.heartbeat(w.id), new TextEncoder().encode('not json'), { timeout: TIMEOUT })).data, 'reply');
    expect(raw).toEqual({ error: { code: 'invalid_request', message: expect.stringContaining('payload is not JSON') } });
  });

  it('refuses a request that names another worker than its subject', async () => {
    const w = await joinFarm('speaks-for-others');
    await expect(
      requestJson(w.nc, subjects.workRequest(w.id), { workerId: 'someone-else', max: 1 }, workReplySchema, TIMEOUT),
    ).rejects.toThrow(/workerId: someone-else is not the worker of subject tessera\.v1\.work\.request\.speaks-for-others/);
  });

  it('asks an unknown worker to register first', async () => {
    const w = await joinFarm('never-registered');
    const error = await work(w).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe('unknown_worker');
  });

  it('no work is not an error: an empty list', async () => {
    const w = await joinFarm('idle-worker');
    await register(w);
    expect(await work(w)).toEqual({ leases: [] });
  });

  it('rejects a tile whose pixels do not match the committed hash, and leases the tile again', async () => {
    const farm = t as TestFarm;
    const jobId = await submitTinyJob();
    const liar = await joinFarm('liar');
    const lease = await leaseOne(liar, jobId);
    expect(lease).toMatchObject({ jobId, attempt: 1, region: { x: 0, y: 0, width: 8, height: 4 } });
    const scene = await fetch(lease.scene.url);
    expect(Buffer.from(await scene.arrayBuffer()).equals(await readFile(join(EXAMPLES, 'still.scene.json')))).toBe(true);

    const black = await encodePng({ data: new Uint8Array(8 * 4 * 3), width: 8, height: 4, channels: 3 }, 8);
    const white = await encodePng({ data: new Uint8Array(8 * 4 * 3).fill(255), width: 8, height: 4, channels: 3 }, 8);
    expect((await fetch(lease.output.url, { method: 'PUT', body: black, headers: { 'content-type': 'image/png' } })).ok).toBe(true);
    await publish(liar, signResult({
      status: 'rendered', leaseId: lease.leaseId, tileId: lease.tileId, attempt: lease.attempt, workerId: liar.id,
      pixelSha256: await pixelHash(white), width: 8, height: 4, renderSeconds: 0.1, device: 'cpu', rendererVersion: 'builtin-1.0.0',
    }, liar.signer));
    const job = await waitFor(() => farm.api.job(jobId), (j) => j.errors.length > 0);
    expect(job.errors[0]).toMatchObject({ workerId: 'liar', message: expect.stringContaining('rejected: pixel hash') });
    expect(job.tiles).toMatchObject({ pending: 1, accepted: 0 });
    const again = await leaseOne(await joinFarm('honest'), jobId);
    expect(again).toMatchObject({ tileId: lease.tileId, attempt: 2 });
    await farm.api.cancel(jobId);
  });

  it('refuses unsigned, forged and tampered results without touching the lease, accepts the signed one, then refuses its duplicate and a replay', async () => {
    const farm = t as TestFarm;
    const jobId = await submitTinyJob();
    const w = await joinFarm('signer');
    const lease = await leaseOne(w, jobId);
    const honest = await renderHonestly(w, lease);

    await publish(w, honest);
    await publish(w, signResult(honest, resultSigner(createUser().getSeed())));
    await publish(w, { ...signResult(honest, w.signer), pixelSha256: 'f'.repeat(64) });
    await publish(w, signResult({ ...honest, attempt: 7 }, w.signer));
    const refused = await waitFor(() => rejections(lease.leaseId), (r) => r.length === 4);
    expect(refused.map((r) => r.reason)).toEqual(['unsigned', 'bad-signature', 'bad-signature', 'attempt-mismatch']);
    expect(refused.every((r) => r.workerId === 'signer' && r.subject === subjects.result('signer'))).toBe(true);
    // The lease is untouched: still the worker's, still renewed.
    expect((await beat(w, [lease.leaseId])).renewed.map((r) => r.leaseId)).toEqual([lease.leaseId]);

    const signed = signResult(honest, w.signer);
    await publish(w, signed);
    // Accepted (the job may still wait for a spot-check of the tile).
    await waitFor(() => farm.api.job(jobId), (j) => j.tiles.accepted === 1);
    await publish(w, signed);
    await publish(w, signResult({ ...honest, renderSeconds: 0.2 }, w.signer));
    const after = await waitFor(() => rejections(lease.leaseId), (r) => r.length === 6);
    expect(after.slice(4).map((r) => r.reason)).toEqual(['duplicate', 'replayed']);
    const job = await farm.api.job(jobId);
    expect(job).toMatchObject({ errors: [], tiles: { accepted: 1 } });
    if (job.state === 'running') await farm.api.cancel(jobId);
  });

  it("refuses a result for another worker's lease, and one published under another worker id; the holder carries on", async () => {
    const farm = t as TestFarm;
    const jobId = await submitTinyJob();
    const victim = await joinFarm('victim');
    const lease = await leaseOne(victim, jobId);
    const impostor = await joinFarm('impostor');
    await register(impostor);
    // The server itself refuses a publish on the victim's subject.
    const refused = await jetstream(impostor.nc)
      .publish(subjects.result('victim'), encodeJson({ status: 'failed' }), { timeout: 3000 })
      .catch((error: Error) => error);
    expect(String((refused as Error).cause ?? refused)).toMatch(/Permissions Violation for Publish to "tessera\.v1\.results\.victim"/);
    // On its own subject, the impostor claims the victim's lease, signed with its own key: not its lease.
    const claim = { status: 'failed', leaseId: lease.leaseId, tileId: lease.tileId, attempt: lease.attempt, workerId: 'impostor', error: 'x', renderSeconds: 0 } as const;
    await publish(impostor, signResult(claim, impostor.signer));
    // A payload naming the victim on the impostor's subject is dropped before anything else.
    await publish(impostor, signResult({ ...claim, workerId: 'victim' }, impostor.signer));
    // Garbage on the results stream is dropped, not redelivered for ever.
    await jetstream(impostor.nc).publish(subjects.result('impostor'), new TextEncoder().encode('{"status":"rendered"'));
    const recorded = await waitFor(() => rejections(lease.leaseId), (r) => r.length === 1);
    expect(recorded[0]).toMatchObject({ workerId: 'impostor', reason: 'foreign-lease' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Everything was taken off the stream: nothing pending, nothing waiting for an ack.
    const coordinatorView = await connectNats(farm.farm.config?.natsUrl as string, 'inspector', {
      seed: readIdentityFile(farm.farm.natsAuthorization?.serviceSeedFile('coordinator') as string).seed,
    });
    try {
      const consumer = await (await jetstreamManager(coordinatorView)).consumers.info(streams.results.name, RESULTS_CONSUMER);
      expect([consumer.num_pending, consumer.num_ack_pending]).toEqual([0, 0]);
    } finally {
      await coordinatorView.close();
    }
    const renewed = await beat(victim, [lease.leaseId]);
    expect(renewed.abort).toEqual([]);
    expect(renewed.renewed.map((r) => r.leaseId)).toEqual([lease.leaseId]);
    expect((await farm.api.job(jobId)).tiles).toMatchObject({ leased: 1, pending: 0 });
    const cancelled = await farm.api.cancel(jobId);
    expect(cancelled.state).toBe('cancelled');
    expect((await beat(victim, [lease.leaseId])).abort).toEqual([lease.leaseId]);
  });
});

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

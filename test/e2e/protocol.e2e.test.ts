import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { heartbeatReplySchema, registerReplySchema, RESULTS_CONSUMER, streams, subjects, workReplySchema, type Lease } from '@tessera/contracts';
import { encodePng, pixelHash } from '@tessera/imaging';
import { decodeJson, encodeJson, RemoteError, requestJson } from '@tessera/messaging';
import { EXAMPLES, startTestFarm, type TestFarm } from './farm.harness';

jest.setTimeout(120_000);

/**
 * A worker written against docs/protocol.md alone, speaking raw NATS: what an honest worker gets, and what
 * the coordinator does with malformed, misdirected and dishonest messages.
 */
describe('the NATS protocol, spoken by a hand-written worker', () => {
  let t: TestFarm | undefined;
  let nc: NatsConnection;
  const capabilities = { renderers: [{ name: 'builtin', version: 'builtin-1.0.0' }], cpuCores: 1, memoryMiB: 1024, gpus: [], slots: 1 };

  const request = (subject: string, payload: unknown) => requestJson(nc, subject, payload, heartbeatReplySchema.or(registerReplySchema).or(workReplySchema), 5000);
  const raw = async (subject: string, payload: Uint8Array) => decodeJson((await nc.request(subject, payload, { timeout: 5000 })).data, 'reply');
  const register = (workerId: string) =>
    requestJson(nc, subjects.workerRegister, { workerId, name: workerId, protocol: 'v1', capabilities }, registerReplySchema, 5000);
  const work = (workerId: string) => requestJson(nc, subjects.workRequest, { workerId, max: 1 }, workReplySchema, 5000);

  beforeAll(async () => {
    t = await startTestFarm({ workers: 0 });
    nc = await connect({ servers: (t.farm.config as { natsUrl: string }).natsUrl });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await t?.stop();
  });

  async function submitTinyJob(): Promise<string> {
    const farm = t as TestFarm;
    const scene = await farm.api.uploadScene(join(EXAMPLES, 'still.scene.json'), 'builtin');
    return (await farm.api.submitJob({ sceneId: scene.id, width: 8, height: 4, samples: 1, tiles: '1x1' })).id;
  }

  async function leaseOne(workerId: string): Promise<Lease> {
    await register(workerId);
    for (let i = 0; i < 50; i++) {
      const { leases } = await work(workerId);
      if (leases[0]) return leases[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no lease');
  }

  it('answers a malformed request with an error reply naming the field', async () => {
    await expect(request(subjects.workRequest, { workerId: 'w 1', max: 0 })).rejects.toThrow(
      /invalid work request: workerId: must be 1-64 characters.*max: /,
    );
    expect(await raw(subjects.heartbeat, new TextEncoder().encode('not json'))).toEqual({
      error: { code: 'invalid_request', message: expect.stringContaining('payload is not JSON') },
    });
  });

  it('asks an unknown worker to register first', async () => {
    const error = await work('never-registered').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe('unknown_worker');
  });

  it('no work is not an error: an empty list', async () => {
    await register('idle-worker');
    expect(await work('idle-worker')).toEqual({ leases: [] });
  });

  it('rejects a tile whose pixels do not match the committed hash, and leases the tile again', async () => {
    const farm = t as TestFarm;
    const jobId = await submitTinyJob();
    const lease = await leaseOne('liar');
    expect(lease).toMatchObject({ jobId, attempt: 1, region: { x: 0, y: 0, width: 8, height: 4 } });
    const scene = await fetch(lease.scene.url);
    expect(Buffer.from(await scene.arrayBuffer()).equals(await readFile(join(EXAMPLES, 'still.scene.json')))).toBe(true);

    const black = await encodePng({ data: new Uint8Array(8 * 4 * 3), width: 8, height: 4, channels: 3 }, 8);
    const white = await encodePng({ data: new Uint8Array(8 * 4 * 3).fill(255), width: 8, height: 4, channels: 3 }, 8);
    expect((await fetch(lease.output.url, { method: 'PUT', body: black, headers: { 'content-type': 'image/png' } })).ok).toBe(true);
    await jetstream(nc).publish(
      subjects.result('liar'),
      encodeJson({
        status: 'rendered', leaseId: lease.leaseId, tileId: lease.tileId, workerId: 'liar',
        pixelSha256: await pixelHash(white), width: 8, height: 4, renderSeconds: 0.1, device: 'cpu', rendererVersion: 'builtin-1.0.0',
      }),
    );
    const job = await waitFor(() => farm.api.job(jobId), (j) => j.errors.length > 0);
    expect(job.errors[0]).toMatchObject({ workerId: 'liar', message: expect.stringContaining('rejected: pixel hash') });
    expect(job.tiles).toMatchObject({ pending: 1, accepted: 0 });
    const again = await leaseOne('honest');
    expect(again).toMatchObject({ tileId: lease.tileId, attempt: 2 });
    await farm.api.cancel(jobId);
  });

  it('drops a result published under another worker id, and tells the holder to carry on', async () => {
    const farm = t as TestFarm;
    const jobId = await submitTinyJob();
    const lease = await leaseOne('victim');
    await register('impostor');
    const js = jetstream(nc);
    // The impostor claims the victim's lease on its own subject: not its lease, dropped.
    await js.publish(subjects.result('impostor'), encodeJson({ status: 'failed', leaseId: lease.leaseId, tileId: lease.tileId, workerId: 'impostor', error: 'x', renderSeconds: 0 }));
    // Garbage on the results stream is dropped, not redelivered for ever.
    await js.publish(subjects.result('impostor'), new TextEncoder().encode('{"status":"rendered"'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Both were taken off the stream: nothing pending, nothing waiting for an ack.
    const consumer = await (await jetstreamManager(nc)).consumers.info(streams.results.name, RESULTS_CONSUMER);
    expect([consumer.num_pending, consumer.num_ack_pending]).toEqual([0, 0]);
    const beat = await requestJson(nc, subjects.heartbeat, { workerId: 'victim', leaseIds: [lease.leaseId] }, heartbeatReplySchema, 5000);
    expect(beat.abort).toEqual([]);
    expect(beat.renewed.map((r) => r.leaseId)).toEqual([lease.leaseId]);
    expect((await farm.api.job(jobId)).tiles).toMatchObject({ leased: 1, pending: 0 });
    const cancelled = await farm.api.cancel(jobId);
    expect(cancelled.state).toBe('cancelled');
    const after = await requestJson(nc, subjects.heartbeat, { workerId: 'victim', leaseIds: [lease.leaseId] }, heartbeatReplySchema, 5000);
    expect(after.abort).toEqual([lease.leaseId]);
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

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { PermissionViolationError, type NatsConnection } from '@nats-io/nats-core';
import { createUser } from '@nats-io/nkeys';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { streams, subjects } from '@tessera/contracts';
import { connectNats, ensureIdentityFile, NatsAuthorization, NatsServerProcess, readIdentityFile } from '@tessera/messaging';
import { tempDir, type TempDir } from '@tessera/testing';

jest.setTimeout(60_000);

/** What `promise` settles to, or 'still open' after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The embedded nats-server as `tessera up` runs it: NKey users from NatsAuthorization, reloaded on change. */
describe(NatsAuthorization.name, () => {
  let dir: TempDir;
  let auth: NatsAuthorization;
  let server: NatsServerProcess;
  let coordinator: NatsConnection;
  const open: NatsConnection[] = [];

  const alice = createUser();
  const bob = createUser();

  /** Connects as a worker: its own NKey and its own inbox prefix, as the worker app does. */
  async function connectWorker(workerId: string, seed: Uint8Array): Promise<NatsConnection> {
    const nc = await connectNats(server.url, `test-${workerId}`, {
      seed,
      inboxPrefix: subjects.inbox(workerId),
      // A reload takes a moment to reach the server: retry a refused first connect briefly.
      onUnauthorised: (error, attempt) => {
        if (attempt > 10) throw error;
      },
    });
    open.push(nc);
    return nc;
  }

  async function resultsInStream(): Promise<number> {
    return (await (await jetstreamManager(coordinator)).streams.info(streams.results.name)).state.messages;
  }

  beforeAll(async () => {
    dir = await tempDir('nats-auth');
    auth = NatsAuthorization.create(join(dir.path, 'auth'), join(dir.path, 'store'));
    server = new NatsServerProcess({ storeDir: join(dir.path, 'store'), configFile: auth.configFile });
    await server.start();
    coordinator = await connectNats(server.url, 'test-coordinator', { seed: readIdentityFile(auth.serviceSeedFile('coordinator')).seed });
    open.push(coordinator);
    await (await jetstreamManager(coordinator)).streams.add({ name: streams.results.name, subjects: [...streams.results.subjects] });
    auth.allowWorker(alice.getPublicKey(), 'alice');
    auth.allowWorker(bob.getPublicKey(), 'bob');
  });

  afterAll(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    await server?.stop();
    await dir?.remove();
  });

  it('keeps the service seeds in files only their owner can read', () => {
    for (const service of ['coordinator', 'api'] as const) {
      expect(statSync(auth.serviceSeedFile(service)).mode & 0o777).toBe(0o600);
    }
  });

  it('refuses a connection without credentials, or with a key it does not know', async () => {
    await expect(connectNats(server.url, 'anonymous')).rejects.toThrow(/Authorization Violation/);
    await expect(connectNats(server.url, 'stranger', { seed: createUser().getSeed() })).rejects.toThrow(/Authorization Violation/);
  });

  it('lets a worker publish results on its own subject and ask for work as itself', async () => {
    const nc = await connectWorker('alice', alice.getSeed());
    const before = await resultsInStream();
    const ack = await jetstream(nc).publish(subjects.result('alice'), encoder.encode('{"status":"rendered"}'));
    expect(ack.stream).toBe(streams.results.name);
    expect(await resultsInStream()).toBe(before + 1);

    // A coordinator answers on the worker's own inbox.
    const served = coordinator.subscribe(subjects.workRequest('*'), { callback: (_error, msg) => void msg.respond(encoder.encode('{"leases":[]}')) });
    await coordinator.flush();
    const reply = await nc.request(subjects.workRequest('alice'), encoder.encode('{"workerId":"alice","max":1}'), { timeout: 5000 });
    expect(decoder.decode(reply.data)).toBe('{"leases":[]}');
    served.unsubscribe();
  });

  it("refuses a worker that publishes a result on another worker's subject: nothing reaches the stream", async () => {
    const nc = await connectWorker('alice', alice.getSeed());
    const before = await resultsInStream();
    const refused = await jetstream(nc)
      .publish(subjects.result('bob'), encoder.encode('{"status":"rendered","workerId":"bob"}'), { timeout: 3000 })
      .catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).cause ?? refused)).toMatch(/Permissions Violation for Publish to "tessera\.v1\.results\.bob"/);
    expect(await resultsInStream()).toBe(before);
  });

  it('refuses a worker that asks for work, heartbeats or registers as another worker', async () => {
    const nc = await connectWorker('alice', alice.getSeed());
    for (const subject of [subjects.workRequest('bob'), subjects.heartbeat('bob'), subjects.workerRegister('bob'), subjects.leaseRelease('bob')]) {
      const refused = await nc.request(subject, encoder.encode('{}'), { timeout: 3000 }).catch((error: Error) => error);
      expect(String((refused as Error).cause ?? refused)).toMatch(/Permissions Violation for Publish/);
    }
  });

  it.each([
    ["another worker's replies (its leases)", subjects.inbox('bob') + '.>'],
    ['the results of every worker', subjects.resultsWildcard],
    ['the requests of every worker', 'tessera.v1.>'],
    ['the JetStream API (reading streams, making consumers)', '$JS.API.>'],
    ['everything', '>'],
  ])('refuses a worker that subscribes to %s', async (_what, subject) => {
    const nc = await connectWorker('alice', alice.getSeed());
    const sub = nc.subscribe(subject);
    const closed = await within(sub.closed, 3000);
    expect(closed).toBeInstanceOf(PermissionViolationError);
    expect((closed as Error).message).toContain(`Permissions Violation for Subscription to "${subject}"`);
  });

  it('refuses a worker that reads the results stream through JetStream', async () => {
    const nc = await connectWorker('alice', alice.getSeed());
    const refused = await jetstreamManager(nc, { timeout: 3000 })
      .then((jsm) => jsm.streams.info(streams.results.name))
      .catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
  });

  it('revoking a worker disconnects it at once and keeps it out; allowing it again lets it back in', async () => {
    const carol = createUser();
    auth.allowWorker(carol.getPublicKey(), 'carol');
    const nc = await connectWorker('carol', carol.getSeed());
    await jetstream(nc).publish(subjects.result('carol'), encoder.encode('{}'));

    expect(auth.revokeWorker('carol')).toBe(true);
    const closed = await within(nc.closed(), 10_000);
    expect(closed).not.toBe('still open');
    expect(nc.isClosed()).toBe(true);
    await expect(connectNats(server.url, 'carol again', { seed: carol.getSeed(), inboxPrefix: subjects.inbox('carol') })).rejects.toThrow(/Authorization Violation/);
    expect(auth.workers().map((w) => w.workerId)).toEqual(['alice', 'bob']);

    auth.allowWorker(carol.getPublicKey(), 'carol');
    const back = await connectWorker('carol', carol.getSeed());
    expect((await jetstream(back).publish(subjects.result('carol'), encoder.encode('{}'))).stream).toBe(streams.results.name);
  });

  it('gives a worker id one key: allowing a new key for it shuts the old one out', async () => {
    const old = createUser();
    const renewed = createUser();
    auth.allowWorker(old.getPublicKey(), 'dave');
    auth.allowWorker(renewed.getPublicKey(), 'dave');
    expect(auth.workers().filter((w) => w.workerId === 'dave').map((w) => w.publicKey)).toEqual([renewed.getPublicKey()]);
    await expect(connectNats(server.url, 'dave old', { seed: old.getSeed() })).rejects.toThrow(/Authorization Violation/);
    auth.revokeWorker(renewed.getPublicKey());
  });

  it('keeps JetStream through reloads (nats-server drops a flag-enabled JetStream on reload)', async () => {
    auth.reload();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await resultsInStream()).toBeGreaterThan(0);
  });

  it('is shared through files: another process opens it by directory and changes it', async () => {
    const other = NatsAuthorization.open(auth.dir);
    const erin = createUser();
    other.allowWorker(erin.getPublicKey(), 'erin');
    const nc = await connectWorker('erin', erin.getSeed());
    expect((await jetstream(nc).publish(subjects.result('erin'), encoder.encode('{}'))).stream).toBe(streams.results.name);
    expect(() => NatsAuthorization.open(join(dir.path, 'nowhere'))).toThrow(/no NATS authorisation/);
  });

  it('refuses what is not a worker id or not a user key', () => {
    expect(() => auth.allowWorker(alice.getPublicKey(), 'no spaces')).toThrow(/worker id/);
    expect(() => auth.allowWorker('UNOTAKEY', 'frank')).toThrow(/not a NATS user public key/);
    // One character changed (to another one, whatever the key ends with): the checksum no longer matches.
    const key = ensureIdentityFile(join(dir.path, 'x.nk')).publicKey;
    const altered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(() => auth.allowWorker(altered, 'frank')).toThrow(/not a NATS user public key/);
  });
});

describe('an NKey identity on a NATS without authentication', () => {
  it('connects all the same: one worker configuration serves open and authenticated servers', async () => {
    const dir = await tempDir('nats-open');
    const server = new NatsServerProcess({ storeDir: dir.path });
    try {
      await server.start();
      const nc = await connectNats(server.url, 'worker', { seed: createUser().getSeed(), inboxPrefix: subjects.inbox('w') });
      nc.subscribe('echo', { callback: (_error, msg) => void msg.respond(msg.data) });
      expect(decoder.decode((await nc.request('echo', encoder.encode('hi'), { timeout: 2000 })).data)).toBe('hi');
      await nc.close();
    } finally {
      await server.stop();
      await dir.remove();
    }
  });
});

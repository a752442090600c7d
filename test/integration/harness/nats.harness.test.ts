import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { NatsConnection } from '@nats-io/nats-core';
import { AckPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  NatsServerNotFoundError,
  NatsServerProcess,
  NatsServerStartError,
  resolveNatsServerBinary,
} from '@tessera/messaging';
import { startNats, tempDir, type NatsHarness } from '@tessera/testing';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function createResultsStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'RESULTS', subjects: ['results.>'], storage: StorageType.File });
  await jsm.consumers.add('RESULTS', { durable_name: 'coordinator', ack_policy: AckPolicy.Explicit });
}

async function publishResults(nc: NatsConnection, count: number): Promise<void> {
  const js = jetstream(nc);
  for (let i = 0; i < count; i++) {
    const ack = await js.publish(`results.worker-${i % 2}`, encoder.encode(`tile-${i}`));
    expect(ack.stream).toBe('RESULTS');
  }
}

/** Takes up to `count` messages from the durable consumer, acking each (the server confirms). */
async function takeAndAck(nc: NatsConnection, count: number): Promise<string[]> {
  const consumer = await jetstream(nc).consumers.get('RESULTS', 'coordinator');
  const taken: string[] = [];
  for (let i = 0; i < count; i++) {
    const message = await consumer.next({ expires: 2000 });
    if (message === null) break;
    taken.push(decoder.decode(message.data));
    expect(await message.ackAck()).toBe(true);
  }
  return taken;
}

/** Takes and acks whatever the durable consumer still has to deliver. */
async function takeRestAndAck(nc: NatsConnection): Promise<string[]> {
  const info = await (await jetstreamManager(nc)).consumers.info('RESULTS', 'coordinator');
  return takeAndAck(nc, info.num_pending);
}

describe('startNats', () => {
  describe('one server', () => {
    let nats: NatsHarness;
    let nc: NatsConnection;

    beforeAll(async () => {
      nats = await startNats();
      nc = await connect({ servers: nats.url });
    });

    afterAll(async () => {
      await nc?.close();
      await nats?.stop();
    });

    it('listens on loopback at the url it reports', () => {
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect(nats.process.running).toBe(true);
    });

    it('has JetStream: a stream, a durable consumer, publish, consume and ack', async () => {
      await createResultsStream(nc);
      await publishResults(nc, 3);

      expect(await takeAndAck(nc, 3)).toEqual(['tile-0', 'tile-1', 'tile-2']);
      const info = await (await jetstreamManager(nc)).consumers.info('RESULTS', 'coordinator');
      expect(info.num_pending).toBe(0);
      expect(info.num_ack_pending).toBe(0);
    });
  });

  describe('restart on the same store', () => {
    /** Stream RESULTS with 5 messages, the first 2 taken and acked; then `end` ends the server. */
    async function restartAfter(end: (nats: NatsHarness) => Promise<unknown>): Promise<{
      messages: number;
      redelivered: string[];
    }> {
      const first = await startNats();
      let second: NatsHarness | undefined;
      try {
        const nc1 = await connect({ servers: first.url });
        await createResultsStream(nc1);
        await publishResults(nc1, 5);
        expect(await takeAndAck(nc1, 2)).toEqual(['tile-0', 'tile-1']);
        await nc1.close();

        await end(first);
        expect(first.process.running).toBe(false);
        expect(existsSync(first.storeDir)).toBe(true);

        second = await startNats({ storeDir: first.storeDir });
        const nc2 = await connect({ servers: second.url });
        try {
          const info = await (await jetstreamManager(nc2)).streams.info('RESULTS');
          return { messages: info.state.messages, redelivered: await takeRestAndAck(nc2) };
        } finally {
          await nc2.close();
        }
      } finally {
        await second?.stop();
        await first.stop();
        expect(existsSync(first.storeDir)).toBe(false);
      }
    }

    it('keeps messages and the consumer position across a graceful stop', async () => {
      const after = await restartAfter(async (nats) => {
        expect(await nats.process.stop()).toEqual({ code: 0, signal: null });
      });
      expect(after).toEqual({ messages: 5, redelivered: ['tile-2', 'tile-3', 'tile-4'] });
    }, 20_000);

    it('keeps every published message across a SIGKILL, but may redeliver the last acked ones', async () => {
      const after = await restartAfter(async (nats) => {
        expect((await nats.kill())?.signal).toBe('SIGKILL');
      });
      // Publishes are acknowledged only once stored, so none is lost. Consumer acks are written
      // to disk lazily by nats-server 2.9: a crash can forget the latest, which are then delivered
      // again. Consumers of Tessera's streams must therefore be idempotent (at-least-once).
      expect(after.messages).toBe(5);
      const all = ['tile-0', 'tile-1', 'tile-2', 'tile-3', 'tile-4'];
      expect(all.slice(all.length - after.redelivered.length)).toEqual(after.redelivered);
      expect(after.redelivered.length).toBeGreaterThanOrEqual(3);
    }, 20_000);

    it('restarts the same process on the same port, so a connected client reconnects', async () => {
      const nats = await startNats();
      const nc = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
      try {
        const reconnected = (async () => {
          for await (const status of nc.status()) if (status.type === 'reconnect') return true;
          return false;
        })();
        await nats.kill();
        await nats.process.start();
        expect(nats.process.url).toBe(nats.url);
        expect(await reconnected).toBe(true);

        const sub = nc.subscribe('ping');
        void (async () => {
          for await (const message of sub) message.respond(encoder.encode('pong'));
        })();
        const reply = await nc.request('ping', undefined, { timeout: 5000 });
        expect(decoder.decode(reply.data)).toBe('pong');
      } finally {
        await nc.close();
        await nats.stop();
      }
    }, 20_000);
  });

  describe('failures', () => {
    it('says how to install nats-server when the binary is missing', async () => {
      await expect(
        resolveNatsServerBinary(undefined, { PATH: '/nonexistent', NATS_SERVER_BIN: '/nonexistent/nats-server' }),
      ).rejects.toThrow('nats-server not found on PATH: run `npm run bootstrap` or apt-get install nats-server');

      const dir = await tempDir('nats-missing');
      try {
        const server = new NatsServerProcess({ storeDir: dir.path, binary: '/nonexistent/nats-server' });
        await expect(server.start()).rejects.toBeInstanceOf(NatsServerNotFoundError);
      } finally {
        await dir.remove();
      }
    });

    it('fails with the server log when its port is taken', async () => {
      const blocker: Server = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      const dir = await tempDir('nats-port');
      const server = new NatsServerProcess({ storeDir: dir.path, port });
      try {
        const failure = server.start();
        await expect(failure).rejects.toBeInstanceOf(NatsServerStartError);
        await expect(failure).rejects.toThrow(/address already in use/);
        expect(server.running).toBe(false);
      } finally {
        await server.stop();
        await new Promise((resolve) => blocker.close(resolve));
        await dir.remove();
      }
    });
  });
});

import { NatsServerProcess, type NatsServerExit } from '@tessera/messaging';
import { tempDir, type TempDir } from './temp-dir';

export interface NatsHarness {
  /** `nats://127.0.0.1:PORT`, for `connect({ servers: url })`. */
  url: string;
  port: number;
  /** JetStream store; pass it to another startNats() to restart on the same data. */
  storeDir: string;
  /** The server process, for restart (`process.start()` again, same port and store) and its log. */
  process: NatsServerProcess;
  /**
   * Stops the server gracefully (SIGINT) and, when this harness created storeDir, deletes it. Safe to call
   * more than once, and after kill().
   */
  stop(): Promise<void>;
  /** SIGKILLs the server and keeps storeDir: a crash, for chaos and persistence tests. */
  kill(): Promise<NatsServerExit | undefined>;
}

export interface StartNatsOptions {
  /** Reuse a store (from an earlier, killed harness). Default: a fresh temp dir, owned by this harness. */
  storeDir?: string;
  /** Default: a free port. */
  port?: number;
  /** Extra nats-server arguments. */
  extraArgs?: readonly string[];
}

/**
 * A real `nats-server -js` on loopback. Start it in beforeAll, stop it in afterAll (which runs even
 * when tests fail). The server dies with the test process, but only stop() deletes its store:
 *
 * ```ts
 * let nats: NatsHarness;
 * beforeAll(async () => { nats = await startNats(); });
 * afterAll(async () => { await nats?.stop(); });
 * ```
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsHarness> {
  let owned: TempDir | undefined;
  if (options.storeDir === undefined) owned = await tempDir('nats');
  const storeDir = options.storeDir ?? owned!.path;
  const server = new NatsServerProcess({ storeDir, port: options.port, extraArgs: options.extraArgs });
  try {
    await server.start();
  } catch (error) {
    await owned?.remove();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    storeDir,
    process: server,
    stop() {
      stopped ??= server.stop().then(() => owned?.remove());
      return stopped;
    },
    kill: () => server.kill(),
  };
}

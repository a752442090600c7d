import { join } from 'node:path';
import { NatsServerProcess } from '@tessera/messaging';
import { freePort } from '@tessera/storage';
import { tempDir, type TempDir } from '@tessera/testing';

export interface NatsCluster {
  servers: NatsServerProcess[];
  stop(): Promise<void>;
}

/** A JetStream cluster of `size` nats-servers on loopback, each with its own store and route port. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir: TempDir = await tempDir('nats-cluster');
  const routes = await Promise.all(Array.from({ length: size }, () => freePort('127.0.0.1')));
  const clientPorts = await Promise.all(Array.from({ length: size }, () => freePort('127.0.0.1')));
  const routeUrls = routes.map((port) => `nats://127.0.0.1:${port}`).join(',');
  const servers = routes.map(
    (routePort, i) =>
      new NatsServerProcess({
        storeDir: join(dir.path, `n${i + 1}`),
        port: clientPorts[i],
        extraArgs: ['-n', `n${i + 1}`, '--cluster_name', 'tessera', '--cluster', `nats://127.0.0.1:${routePort}`, '--routes', routeUrls],
      }),
  );
  await Promise.all(servers.map((s) => s.start()));
  return {
    servers,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await dir.remove();
    },
  };
}

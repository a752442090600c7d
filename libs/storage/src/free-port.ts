import { connect, createServer } from 'node:net';

/**
 * Asks the kernel for a TCP port that is free right now on `host`.
 *
 * Lives in the storage lib only because both the embedded NATS process and the test harnesses need
 * it and storage is the lowest lib both may import; it does no storage work.
 *
 * There is an unavoidable window between closing the probe socket and the real server binding the
 * port: a server that can take port 0 itself (as the embedded S3 server does) should do that, and a
 * child process started on this port should be retried on "address already in use".
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ host, port: 0, exclusive: true }, () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error(`could not read back a port bound on ${host}`));
        return;
      }
      probe.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}

/**
 * Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`.
 * Used where a child process gives no reliable "ready" line of its own.
 */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(host, port)) return;
    if (Date.now() >= deadline) {
      throw new Error(`nothing accepted connections on ${host}:${port} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

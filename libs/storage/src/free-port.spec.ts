import { createServer } from 'node:net';
import { freePort, waitForPort } from './free-port';

describe(freePort.name, () => {
  it('returns a port that can then be bound on loopback', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe(waitForPort.name, () => {
  it('resolves once something listens and times out when nothing does', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await expect(waitForPort('127.0.0.1', port, 1000)).resolves.toBeUndefined();
    await new Promise((resolve) => server.close(resolve));

    await expect(waitForPort('127.0.0.1', port, 200)).rejects.toThrow(/within 200 ms/);
  });
});

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServerNotFoundError, resolveNatsServerBinary } from './nats-server.binary';

describe(resolveNatsServerBinary.name, () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-nats-bin-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fakeBinary(name = 'nats-server', mode = 0o755): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, '#!/bin/sh\n');
    await chmod(path, mode);
    return path;
  }

  it('prefers an explicit path, then $NATS_SERVER_BIN', async () => {
    const binary = await fakeBinary('custom-nats');
    expect(await resolveNatsServerBinary(binary, { PATH: '' })).toBe(binary);
    expect(await resolveNatsServerBinary(undefined, { NATS_SERVER_BIN: binary, PATH: '' })).toBe(binary);
  });

  it('finds the server on PATH', async () => {
    const binary = await fakeBinary();
    expect(await resolveNatsServerBinary(undefined, { PATH: `/nonexistent:${dir}` })).toBe(binary);
  });

  it('does not take a file that is not executable', async () => {
    const binary = await fakeBinary('nats-server', 0o644);
    await expect(resolveNatsServerBinary(binary, {})).rejects.toBeInstanceOf(NatsServerNotFoundError);
  });

  it('tells how to install it when a pinned path does not exist', async () => {
    await expect(resolveNatsServerBinary(join(dir, 'missing'), {})).rejects.toThrow(
      'nats-server not found on PATH: run `npm run bootstrap` or apt-get install nats-server',
    );
  });
});

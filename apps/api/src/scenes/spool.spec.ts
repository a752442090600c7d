import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PayloadTooLargeError } from '../api.errors';
import { spool } from './spool';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A body that arrives in pieces, with pauses, as a slow client sends it. */
function slowBody(parts: Buffer[], pauseMs: number): PassThrough {
  const body = new PassThrough();
  void (async () => {
    for (const part of parts) {
      await sleep(pauseMs);
      body.write(part);
    }
    body.end();
  })();
  return body;
}

describe('spool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-spool-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the body to the file, hashes it, and lets a follower read every byte as it lands', async () => {
    const parts = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(5), randomBytes(200_000)];
    const whole = Buffer.concat(parts);
    const path = join(dir, 'scene');
    const intake = spool(slowBody(parts, 5), path, 10 * 1024 * 1024);
    // Following starts before the first byte, as the store does.
    const followed = collect(intake.follow());
    const received = await intake.received;
    expect(received).toEqual({ sha256: createHash('sha256').update(whole).digest('hex'), size: whole.length });
    expect((await readFile(path)).equals(whole)).toBe(true);
    expect((await followed).equals(whole)).toBe(true);
  });

  it('stops past the limit: the upload and its follower both fail with PayloadTooLargeError', async () => {
    const intake = spool(slowBody([randomBytes(600), randomBytes(600)], 5), join(dir, 'scene'), 1000);
    const followed = collect(intake.follow());
    await expect(intake.received).rejects.toThrow(PayloadTooLargeError);
    await expect(followed).rejects.toThrow('scene is larger than the limit of 1000 bytes');
  });

  it('fails the follower when the client goes away mid-body', async () => {
    const body = new PassThrough();
    const intake = spool(body, join(dir, 'scene'), 1000);
    const followed = collect(intake.follow());
    body.write(randomBytes(100));
    await sleep(10);
    body.destroy(new Error('client went away'));
    await expect(intake.received).rejects.toThrow('client went away');
    await expect(followed).rejects.toThrow('client went away');
  });

  it('takes an empty body', async () => {
    const intake = spool(slowBody([], 0), join(dir, 'scene'), 1000);
    expect((await collect(intake.follow())).length).toBe(0);
    expect((await intake.received).size).toBe(0);
  });
});

import { existsSync } from 'node:fs';
import { EmbeddedS3Server, ObjectStorage } from '@tessera/storage';
import { startS3, tempDir } from '@tessera/testing';

describe('startS3', () => {
  it('serves a ready bucket on loopback and removes its directory on stop', async () => {
    const s3 = await startS3({ bucket: 'harness-bucket' });
    const storage = new ObjectStorage(s3.config);
    try {
      expect(s3.config).toMatchObject({ bucket: 'harness-bucket', forcePathStyle: true });
      expect(s3.config.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await storage.putObject('a/b.txt', Buffer.from('b'));
      expect(await storage.headObject('a/b.txt')).toMatchObject({ size: 1 });
    } finally {
      storage.destroy();
      await s3.stop();
      await s3.stop();
    }
    expect(existsSync(s3.directory)).toBe(false);
  });
});

describe(EmbeddedS3Server.name, () => {
  it('keeps objects on disk across a restart in the same directory', async () => {
    const dir = await tempDir('s3-restart');
    try {
      const first = new EmbeddedS3Server({ directory: dir.path });
      const firstStorage = new ObjectStorage(await first.start());
      await firstStorage.putObject('scene.bin', Buffer.from('scene bytes'));
      firstStorage.destroy();
      await first.stop();

      const second = new EmbeddedS3Server({ directory: dir.path });
      const secondStorage = new ObjectStorage(await second.start());
      try {
        expect((await secondStorage.getBuffer('scene.bin')).toString()).toBe('scene bytes');
      } finally {
        secondStorage.destroy();
        await second.stop();
      }
    } finally {
      await dir.remove();
    }
  });

  it('stops promptly while a client still holds keep-alive connections', async () => {
    const dir = await tempDir('s3-stop');
    const server = new EmbeddedS3Server({ directory: dir.path });
    const storage = new ObjectStorage(await server.start());
    try {
      await storage.putObject('k', Buffer.from('v'));
      const started = Date.now();
      await server.stop();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(() => server.config).toThrow(/not running/);
    } finally {
      storage.destroy();
      await dir.remove();
    }
  });

  it('refuses requests signed with an access key it does not know', async () => {
    const dir = await tempDir('s3-keys');
    const server = new EmbeddedS3Server({ directory: dir.path });
    const config = await server.start();
    const stranger = new ObjectStorage({ ...config, accessKeyId: 'someone-else' });
    try {
      await expect(stranger.putObject('k', Buffer.from('v'))).rejects.toThrow(/InvalidAccessKeyId/);
    } finally {
      stranger.destroy();
      await server.stop();
      await dir.remove();
    }
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ContentLengthMismatchError,
  ObjectNotFoundError,
  ObjectStorage,
  ObjectTooLargeError,
  type S3Config,
} from '@tessera/storage';
import { startS3, type S3Harness } from '@tessera/testing';

const MiB = 1024 * 1024;

/** A stream of `size` pseudo-random bytes produced on demand, so nothing holds all of them at once. */
function generatedStream(size: number, seed: string): { stream: Readable; sha256: Promise<string> } {
  const hash = createHash('sha256');
  let produced = 0;
  let counter = 0;
  let resolveHash!: (hex: string) => void;
  const sha256 = new Promise<string>((resolve) => (resolveHash = resolve));
  const stream = new Readable({
    read() {
      if (produced >= size) {
        resolveHash(hash.digest('hex'));
        this.push(null);
        return;
      }
      const length = Math.min(256 * 1024, size - produced);
      // Every chunk differs, so a lost, repeated or reordered chunk changes the hash.
      const chunk = Buffer.alloc(length);
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      for (let offset = 0; offset < length; offset += block.length) block.copy(chunk, offset);
      hash.update(chunk);
      produced += length;
      this.push(chunk);
    },
  });
  return { stream, sha256 };
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe(ObjectStorage.name, () => {
  let s3: S3Harness;
  let storage: ObjectStorage;

  beforeAll(async () => {
    s3 = await startS3();
    storage = new ObjectStorage(s3.config);
  });

  afterAll(async () => {
    storage?.destroy();
    await s3?.stop();
  });

  describe('putObject / getObject / headObject / deleteObject', () => {
    it('stores a buffer and reads it back with its size and type', async () => {
      const body = Buffer.from('hello tessera');
      await storage.putObject('basic/hello.txt', body, { contentType: 'text/plain' });

      expect(await storage.getBuffer('basic/hello.txt')).toEqual(body);
      expect(await storage.headObject('basic/hello.txt')).toMatchObject({
        size: body.length,
        contentType: 'text/plain',
      });
    });

    it('deletes an object, after which head answers null and get fails with ObjectNotFoundError', async () => {
      await storage.putObject('basic/doomed.bin', randomBytes(100));
      await storage.deleteObject('basic/doomed.bin');

      expect(await storage.headObject('basic/doomed.bin')).toBeNull();
      await expect(storage.getObject('basic/doomed.bin')).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(storage.getBuffer('basic/doomed.bin')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('treats deleting a missing object as done', async () => {
      await expect(storage.deleteObject('basic/never-existed')).resolves.toBeUndefined();
    });

    it('answers null for the head of a missing object', async () => {
      expect(await storage.headObject('nothing/here')).toBeNull();
    });

    it('refuses to buffer an object larger than maxBytes', async () => {
      await storage.putObject('basic/big.bin', randomBytes(64 * 1024));
      await expect(storage.getBuffer('basic/big.bin', 1000)).rejects.toBeInstanceOf(ObjectTooLargeError);
      expect((await storage.getBuffer('basic/big.bin', 64 * 1024)).length).toBe(64 * 1024);
    });

    it('creates a missing bucket and accepts ensureBucket on an existing one', async () => {
      const other: S3Config = { ...s3.config, bucket: 'second-bucket' };
      const second = new ObjectStorage(other);
      try {
        await second.ensureBucket();
        await second.ensureBucket();
        await second.putObject('x', Buffer.from('x'));
        expect(await storage.headObject('x')).toBeNull();
        expect(await second.headObject('x')).toMatchObject({ size: 1 });
      } finally {
        second.destroy();
      }
    });
  });

  describe('streamed putObject', () => {
    it('stores a 20 MB Readable of known length byte-exact', async () => {
      const size = 20 * MiB;
      const { stream, sha256 } = generatedStream(size, 'known');

      await storage.putObject('stream/known.bin', stream, {
        contentLength: size,
        contentType: 'application/octet-stream',
      });

      expect(await storage.headObject('stream/known.bin')).toMatchObject({ size });
      expect(await sha256Of(await storage.getObject('stream/known.bin'))).toBe(await sha256);
    });

    it('stores a 20 MB Readable of unknown length byte-exact (multipart)', async () => {
      const size = 20 * MiB + 12345;
      const { stream, sha256 } = generatedStream(size, 'unknown');

      await storage.putObject('stream/unknown.bin', stream);

      expect(await storage.headObject('stream/unknown.bin')).toMatchObject({ size });
      expect(await sha256Of(await storage.getObject('stream/unknown.bin'))).toBe(await sha256);
    });

    it('fails with ContentLengthMismatchError, not a hang, when the stream ends early', async () => {
      const { stream } = generatedStream(1000, 'short');
      await expect(
        storage.putObject('stream/short.bin', stream, { contentLength: 5000 }),
      ).rejects.toBeInstanceOf(ContentLengthMismatchError);
      expect(await storage.headObject('stream/short.bin')).toBeNull();
    });

    it('fails with ContentLengthMismatchError when the stream is longer than announced', async () => {
      const { stream } = generatedStream(MiB, 'long');
      await expect(
        storage.putObject('stream/long.bin', stream, { contentLength: 1000 }),
      ).rejects.toBeInstanceOf(ContentLengthMismatchError);
    });
  });

  describe('presigned URLs', () => {
    it('lets plain fetch PUT bytes that then read back exactly', async () => {
      const body = randomBytes(3 * MiB + 7);
      const url = await storage.presignPut('presigned/tile.png', 300, 'image/png');
      // The SDK's checksum defaults would add the CRC of an empty body to the URL.
      expect(url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);

      const response = await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'image/png' } });

      expect(response.status).toBe(200);
      const stored = await storage.getBuffer('presigned/tile.png');
      expect(createHash('sha256').update(stored).digest('hex')).toBe(
        createHash('sha256').update(body).digest('hex'),
      );
      expect(await storage.headObject('presigned/tile.png')).toMatchObject({
        size: body.length,
        contentType: 'image/png',
      });
    });

    it('lets plain fetch GET an object', async () => {
      const body = randomBytes(512 * 1024);
      await storage.putObject('presigned/scene.blend', body);
      const url = await storage.presignGet('presigned/scene.blend', 300);

      const response = await fetch(url);

      expect(response.status).toBe(200);
      // Buffer.equals, not toEqual: Jest compares a buffer element by element, seconds for 512 KiB.
      expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
    });

    it('answers 404 to a presigned GET of a missing object', async () => {
      const response = await fetch(await storage.presignGet('presigned/missing', 300));
      expect(response.status).toBe(404);
      await response.body?.cancel();
    });

    it('rejects expiries S3 would not accept', async () => {
      await expect(storage.presignGet('k', 0)).rejects.toBeInstanceOf(RangeError);
      await expect(storage.presignPut('k', 8 * 24 * 3600)).rejects.toBeInstanceOf(RangeError);
    });
  });
});

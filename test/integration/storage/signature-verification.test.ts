import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { EmbeddedS3Server, ObjectStorage, StorageOperationError, type S3Config } from '@tessera/storage';
import { startS3, type S3Harness } from '@tessera/testing';

interface Reply {
  status: number;
  body: string;
  reusedSocket: boolean;
}

/** One plain HTTP exchange, with control over the connection (fetch hides whether it was reused). */
function send(url: string, options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent });
    req.on('error', reject);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), reusedSocket: req.reusedSocket }),
      );
    });
    req.end(options.body);
  });
}

function errorCode(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

/** The same URL with one character of its signature changed. */
function withFlippedSignature(url: string): string {
  const parsed = new URL(url);
  const signature = parsed.searchParams.get('X-Amz-Signature') as string;
  const first = signature[0] === 'a' ? 'b' : 'a';
  parsed.searchParams.set('X-Amz-Signature', first + signature.slice(1));
  return parsed.toString();
}

/** An S3 client like ObjectStorage's, for signing options ObjectStorage does not offer (signingDate). */
function clientFor(config: S3Config): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

describe(`${EmbeddedS3Server.name} signature verification`, () => {
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

  describe('presigned PUT', () => {
    it('stores the body of a URL used as signed', async () => {
      const url = await storage.presignPut('put/ok.png', 300, 'image/png');
      const response = await fetch(url, { method: 'PUT', body: Buffer.from('tile'), headers: { 'content-type': 'image/png' } });
      expect(response.status).toBe(200);
      expect((await storage.getBuffer('put/ok.png')).toString()).toBe('tile');
    });

    it('refuses a URL with one character of its signature changed, and stores nothing', async () => {
      const url = withFlippedSignature(await storage.presignPut('put/tampered.png', 300));
      const response = await fetch(url, { method: 'PUT', body: randomBytes(3 * 1024 * 1024) });
      expect(response.status).toBe(403);
      expect(errorCode(await response.text())).toBe('SignatureDoesNotMatch');
      expect(await storage.headObject('put/tampered.png')).toBeNull();
    });

    it('refuses a URL edited to point at another key; neither key is written', async () => {
      const url = await storage.presignPut('put/mine.png', 300);
      const edited = url.replace('/put/mine.png?', '/put/theirs.png?');
      expect(edited).not.toBe(url);
      const response = await fetch(edited, { method: 'PUT', body: Buffer.from('forged') });
      expect(response.status).toBe(403);
      expect(errorCode(await response.text())).toBe('SignatureDoesNotMatch');
      expect(await storage.headObject('put/theirs.png')).toBeNull();
      expect(await storage.headObject('put/mine.png')).toBeNull();
    });

    it('refuses the URL used with another method', async () => {
      await storage.putObject('put/kept.png', Buffer.from('precious'));
      const url = await storage.presignPut('put/kept.png', 300);
      for (const method of ['DELETE', 'GET', 'HEAD']) {
        const response = await fetch(url, { method });
        expect({ method, status: response.status }).toEqual({ method, status: 403 });
        await response.body?.cancel();
      }
      expect((await storage.getBuffer('put/kept.png')).toString()).toBe('precious');
    });

    it('refuses a URL with a parameter added (the query string is signed too)', async () => {
      const url = await storage.presignPut('put/extra.png', 300);
      const response = await fetch(`${url}&acl=public-read`, { method: 'PUT', body: Buffer.from('x') });
      expect(response.status).toBe(403);
      await response.body?.cancel();
      expect(await storage.headObject('put/extra.png')).toBeNull();
    });

    it('refuses an x-amz-* header the URL does not sign (x-amz-copy-source would copy another object)', async () => {
      await storage.putObject('secret/source.bin', Buffer.from('someone else'));
      const url = await storage.presignPut('put/copy-target.bin', 300);
      const response = await fetch(url, { method: 'PUT', headers: { 'x-amz-copy-source': `/${s3.config.bucket}/secret/source.bin` } });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('x-amz-copy-source');
      expect(await storage.headObject('put/copy-target.bin')).toBeNull();
    });

    it('refuses a URL signed with another secret', async () => {
      const forger = new ObjectStorage({ ...s3.config, secretAccessKey: 'guessed-secret' });
      try {
        const response = await fetch(await forger.presignPut('put/forged.png', 300), { method: 'PUT', body: Buffer.from('x') });
        expect(response.status).toBe(403);
        expect(errorCode(await response.text())).toBe('SignatureDoesNotMatch');
      } finally {
        forger.destroy();
      }
      expect(await storage.headObject('put/forged.png')).toBeNull();
    });

    it('refuses a URL signed with an access key that is not the server’s', async () => {
      const stranger = new ObjectStorage({ ...s3.config, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
      try {
        const response = await fetch(await stranger.presignPut('put/stranger.png', 300), { method: 'PUT', body: Buffer.from('x') });
        expect(response.status).toBe(403);
        expect(errorCode(await response.text())).toBe('InvalidAccessKeyId');
      } finally {
        stranger.destroy();
      }
      expect(await storage.headObject('put/stranger.png')).toBeNull();
    });

    it('refuses a URL signed in the past whose validity has run out', async () => {
      const client = clientFor(s3.config);
      try {
        const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.config.bucket, Key: 'put/expired.png' }), {
          expiresIn: 60,
          signingDate: new Date(Date.now() - 120_000),
        });
        const response = await fetch(url, { method: 'PUT', body: Buffer.from('late') });
        expect(response.status).toBe(403);
        const body = await response.text();
        expect(errorCode(body)).toBe('AccessDenied');
        expect(body).toContain('Request has expired');
      } finally {
        client.destroy();
      }
      expect(await storage.headObject('put/expired.png')).toBeNull();
    });

    it('refuses a URL reused after its 1 s expiry', async () => {
      const url = await storage.presignPut('put/short-lived.png', 1);
      const signedAt = Date.parse(
        (new URL(url).searchParams.get('X-Amz-Date') as string).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, signedAt + 1100 - Date.now())));
      const response = await fetch(url, { method: 'PUT', body: Buffer.from('late') });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Request has expired');
      expect(await storage.headObject('put/short-lived.png')).toBeNull();
    });

    it('refuses requests without any signature', async () => {
      const base = `${s3.config.endpoint}/${s3.config.bucket}`;
      await storage.putObject('anon/object', Buffer.from('private'));
      for (const [method, path] of [['PUT', '/anon/new'], ['GET', '/anon/object'], ['GET', '/'], ['DELETE', '/anon/object']]) {
        const response = await fetch(`${base}${path}`, { method, body: method === 'PUT' ? 'x' : undefined });
        expect({ method, path, status: response.status, code: errorCode(await response.text()) }).toEqual({
          method,
          path,
          status: 403,
          code: 'AccessDenied',
        });
      }
      expect(await storage.headObject('anon/new')).toBeNull();
      expect(await storage.headObject('anon/object')).not.toBeNull();
    });
  });

  describe('presigned GET', () => {
    beforeAll(async () => {
      await storage.putObject('get/scene.blend', Buffer.from('scene bytes'));
    });

    it('serves the object of a URL used as signed', async () => {
      const response = await fetch(await storage.presignGet('get/scene.blend', 300));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('scene bytes');
    });

    it('refuses a tampered URL and one edited to another key', async () => {
      await storage.putObject('get/other.blend', Buffer.from('not yours'));
      const url = await storage.presignGet('get/scene.blend', 300);
      for (const forged of [withFlippedSignature(url), url.replace('/get/scene.blend?', '/get/other.blend?')]) {
        const response = await fetch(forged);
        expect(response.status).toBe(403);
        expect(errorCode(await response.text())).toBe('SignatureDoesNotMatch');
      }
    });
  });

  describe('header-signed SDK requests', () => {
    it('fail with a clear SignatureDoesNotMatch error when signed with a wrong secret, and write nothing', async () => {
      const wrong = new ObjectStorage({ ...s3.config, secretAccessKey: 'not-the-secret' });
      try {
        const attempts: [string, Promise<unknown>][] = [
          ['buffer put', wrong.putObject('sdk/wrong.bin', Buffer.from('x'))],
          // 3 MiB of known length: the SDK asks `Expect: 100-continue` and is refused before sending it.
          ['streamed put', wrong.putObject('sdk/wrong-stream.bin', Readable.from([randomBytes(3 * 1024 * 1024)]), { contentLength: 3 * 1024 * 1024 })],
          // Unknown length, above one part: lib-storage starts a multipart upload.
          ['multipart put', wrong.putObject('sdk/wrong-multipart.bin', Readable.from([randomBytes(9 * 1024 * 1024)]))],
          ['get', wrong.getBuffer('get/scene.blend')],
          ['delete', wrong.deleteObject('get/scene.blend')],
        ];
        for (const [what, attempt] of attempts) {
          const error = await attempt.then(() => undefined, (e: unknown) => e);
          expect({ what, error }).toEqual({ what, error: expect.any(StorageOperationError) });
          expect((error as Error).message).toMatch(/SignatureDoesNotMatch.*HTTP 403/);
        }
        await expect(wrong.headObject('get/scene.blend')).rejects.toThrow(/HTTP 403/);
      } finally {
        wrong.destroy();
      }
      for (const key of ['sdk/wrong.bin', 'sdk/wrong-stream.bin', 'sdk/wrong-multipart.bin']) {
        expect(await storage.headObject(key)).toBeNull();
      }
      expect(await storage.headObject('get/scene.blend')).not.toBeNull();
    });

    it('refuses a body that is not the one whose SHA-256 was signed, and leaves the object as it was', async () => {
      await storage.putObject('sdk/existing.bin', Buffer.from('original'));
      const signed = Buffer.from('the signed body');
      const swapped = Buffer.from('a forged  body!');
      const endpoint = new URL(s3.config.endpoint as string);
      const signer = new SignatureV4({
        credentials: { accessKeyId: s3.config.accessKeyId, secretAccessKey: s3.config.secretAccessKey },
        region: s3.config.region,
        service: 's3',
        sha256: Sha256,
        uriEscapePath: false,
      });
      const request = await signer.sign({
        method: 'PUT',
        protocol: 'http:',
        hostname: endpoint.hostname,
        port: Number(endpoint.port),
        path: `/${s3.config.bucket}/sdk/existing.bin`,
        headers: {
          host: endpoint.host,
          'content-length': String(signed.length),
          'x-amz-content-sha256': createHash('sha256').update(signed).digest('hex'),
        },
      });
      const url = `${s3.config.endpoint}${request.path}`;

      const forged = await send(url, { method: 'PUT', headers: request.headers, body: swapped });
      expect(forged.status).toBe(400);
      expect(errorCode(forged.body)).toBe('XAmzContentSHA256Mismatch');
      expect((await storage.getBuffer('sdk/existing.bin')).toString()).toBe('original');

      const genuine = await send(url, { method: 'PUT', headers: request.headers, body: signed });
      expect(genuine.status).toBe(200);
      expect((await storage.getBuffer('sdk/existing.bin')).toString()).toBe('the signed body');
    });
  });

  describe('connections', () => {
    it('keeps a keep-alive connection usable after refusing a PUT whose body was already on its way', async () => {
      await storage.putObject('conn/object', Buffer.from('still served'));
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await send(withFlippedSignature(await storage.presignPut('conn/refused', 300)), {
          method: 'PUT',
          body: randomBytes(1024 * 1024),
          agent,
        });
        expect(refused.status).toBe(403);
        const served = await send(await storage.presignGet('conn/object', 300), { agent });
        expect(served).toEqual({ status: 200, body: 'still served', reusedSocket: true });
      } finally {
        agent.destroy();
      }
      expect(await storage.headObject('conn/refused')).toBeNull();
    });
  });
});

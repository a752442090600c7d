import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingSignedRequest } from './signed-request.parser';
import {
  InvalidAccessKeyIdError,
  InvalidUriError,
  MalformedAuthorizationError,
  MissingAuthenticationError,
  RequestExpiredError,
  RequestNotYetValidError,
  RequestTimeTooSkewedError,
  SignatureMismatchError,
  UnsignedHeadersError,
  UnsupportedAuthenticationError,
  UnsupportedPayloadError,
} from './sigv4.errors';
import { SigV4Verifier } from './sigv4.verifier';

type HttpRequest = Parameters<SignatureV4['presign']>[0];

const credentials = { accessKeyId: 'tessera-test', secretAccessKey: 'the-secret' };
const region = 'eu-central-1';
const host = '127.0.0.1:9000';
const signedAt = new Date('2026-03-01T12:00:00Z');

/** A verifier whose clock reads `signedAt + offsetMs`. */
function verifierAt(offsetMs: number): SigV4Verifier {
  return new SigV4Verifier({ ...credentials, region, now: () => signedAt.getTime() + offsetMs });
}

/** A presigned URL exactly as ObjectStorage makes one (same client options), turned into a request. */
async function presigned(
  command: PutObjectCommand | GetObjectCommand,
  options: { expiresIn?: number; secretAccessKey?: string; region?: string; signableHeaders?: Set<string> } = {},
): Promise<IncomingSignedRequest> {
  const client = new S3Client({
    endpoint: `http://${host}`,
    region: options.region ?? region,
    forcePathStyle: true,
    credentials: { ...credentials, secretAccessKey: options.secretAccessKey ?? credentials.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const url = new URL(
      await getSignedUrl(client, command, {
        expiresIn: options.expiresIn ?? 300,
        signingDate: signedAt,
        signableHeaders: options.signableHeaders,
      }),
    );
    return { method: command instanceof PutObjectCommand ? 'PUT' : 'GET', url: url.pathname + url.search, headers: { host } };
  } finally {
    client.destroy();
  }
}

/** A header-signed request as the SDK's signer makes it. */
async function headerSigned(request: Partial<HttpRequest> & { path: string }, signingDate = signedAt): Promise<IncomingSignedRequest> {
  const signer = new SignatureV4({ credentials, region, service: 's3', sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      query: {},
      ...request,
      headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...request.headers },
    },
    { signingDate },
  );
  const query = new URLSearchParams(signed.query as Record<string, string>).toString().replace(/\+/g, '%20');
  return {
    method: signed.method,
    url: query ? `${signed.path}?${query}` : signed.path,
    headers: Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value])),
  };
}

const put = (key: string, contentType?: string) => new PutObjectCommand({ Bucket: 'tessera', Key: key, ContentType: contentType });
const get = (key: string) => new GetObjectCommand({ Bucket: 'tessera', Key: key });

describe(SigV4Verifier.name, () => {
  describe('presigned URLs', () => {
    it('accepts URLs made by getSignedUrl, keys with characters that need escaping included', async () => {
      for (const key of ['jobs/1/tile-0-0.png', 'a b/c+d~é(1)!*.png']) {
        const verified = await verifierAt(1000).verify(await presigned(put(key, 'image/png')));
        expect(verified).toMatchObject({ mode: 'presigned', accessKeyId: credentials.accessKeyId, payloadHash: 'UNSIGNED-PAYLOAD' });
        expect(verified.expiresAt).toEqual(new Date(signedAt.getTime() + 300_000));
      }
    });

    it('accepts another escaping of the same key (S3 signs the decoded key, encoded once)', async () => {
      const request = await presigned(get('scenes/~v1.blend'));
      const reencoded = { ...request, url: request.url.replace('~', '%7E') };
      expect(reencoded.url).not.toBe(request.url);
      await expect(verifierAt(0).verify(reencoded)).resolves.toMatchObject({ mode: 'presigned' });
    });

    it('refuses any edit of what was signed: signature, key, bucket, method, query', async () => {
      const request = await presigned(put('tiles/mine.png'));
      const edits: IncomingSignedRequest[] = [
        { ...request, url: request.url.replace(/X-Amz-Signature=(.)/, (_m, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`) },
        { ...request, url: request.url.replace('/tiles/mine.png', '/tiles/theirs.png') },
        { ...request, url: request.url.replace('/tessera/', '/other-bucket/') },
        { ...request, method: 'DELETE' },
        { ...request, url: `${request.url}&uploads=` },
        { ...request, url: request.url.replace('X-Amz-Expires=300', 'X-Amz-Expires=3000') },
        { ...request, headers: { host: 'evil.example:9000' } },
      ];
      for (const edited of edits) {
        await expect(verifierAt(0).verify(edited)).rejects.toBeInstanceOf(SignatureMismatchError);
      }
    });

    it('refuses a URL signed with another secret or by another key', async () => {
      await expect(verifierAt(0).verify(await presigned(put('k'), { secretAccessKey: 'guess' }))).rejects.toBeInstanceOf(
        SignatureMismatchError,
      );
      const request = await presigned(put('k'));
      const otherKey = { ...request, url: request.url.replace('tessera-test%2F', 'someone-else%2F') };
      await expect(verifierAt(0).verify(otherKey)).rejects.toBeInstanceOf(InvalidAccessKeyIdError);
    });

    it('refuses a URL scoped to another region', async () => {
      await expect(verifierAt(0).verify(await presigned(put('k'), { region: 'us-east-1' }))).rejects.toBeInstanceOf(
        MalformedAuthorizationError,
      );
    });

    it('is valid from its signing time until X-Amz-Date + X-Amz-Expires, not a millisecond longer', async () => {
      const request = await presigned(put('k'), { expiresIn: 60 });
      await expect(verifierAt(60_000 - 1).verify(request)).resolves.toBeDefined();
      await expect(verifierAt(60_000).verify(request)).rejects.toBeInstanceOf(RequestExpiredError);
      await expect(verifierAt(-14 * 60_000).verify(request)).resolves.toBeDefined();
      await expect(verifierAt(-16 * 60_000).verify(request)).rejects.toBeInstanceOf(RequestNotYetValidError);
    });

    it('refuses an expiry beyond seven days', async () => {
      const request = await presigned(put('k'));
      const long = { ...request, url: request.url.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801') };
      await expect(verifierAt(0).verify(long)).rejects.toBeInstanceOf(MalformedAuthorizationError);
    });

    it('refuses x-amz-* headers the URL does not sign', async () => {
      const request = await presigned(put('k'));
      const withCopy = { ...request, headers: { ...request.headers, 'x-amz-copy-source': '/tessera/secret' } };
      await expect(verifierAt(0).verify(withCopy)).rejects.toBeInstanceOf(UnsignedHeadersError);
    });

    it('accepts unsigned ordinary headers, as S3 does (the presigner never signs content-type)', async () => {
      const request = await presigned(put('k', 'image/png'));
      const other = { ...request, headers: { ...request.headers, 'content-type': 'text/html' } };
      await expect(verifierAt(0).verify(other)).resolves.toBeDefined();
    });

    it('holds the uploader to a content-type that the URL does sign (signableHeaders)', async () => {
      const request = await presigned(put('k', 'image/png'), { signableHeaders: new Set(['content-type']) });
      expect(request.url).toContain('X-Amz-SignedHeaders=content-type%3Bhost');
      const typed = (type: string) => ({ ...request, headers: { ...request.headers, 'content-type': type } });
      await expect(verifierAt(0).verify(typed('image/png'))).resolves.toBeDefined();
      await expect(verifierAt(0).verify(typed('text/html'))).rejects.toBeInstanceOf(SignatureMismatchError);
      await expect(verifierAt(0).verify(request)).rejects.toBeInstanceOf(SignatureMismatchError);
    });
  });

  describe('header-signed requests', () => {
    it('accepts what the SDK signer produces, query and hex payload hash included', async () => {
      const request = await headerSigned({
        method: 'PUT',
        path: '/tessera/parts/a%20b.bin',
        query: { partNumber: '2', uploadId: 'x y+z' },
        headers: { 'content-length': '5', 'x-amz-content-sha256': '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' },
      });
      await expect(verifierAt(0).verify(request)).resolves.toMatchObject({
        mode: 'header',
        payloadHash: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
        expiresAt: undefined,
      });
    });

    it('refuses a changed signed header or payload hash', async () => {
      const request = await headerSigned({ method: 'PUT', path: '/tessera/k', headers: { 'content-type': 'image/png' } });
      const retyped = { ...request, headers: { ...request.headers, 'content-type': 'text/html' } };
      const rehashed = { ...request, headers: { ...request.headers, 'x-amz-content-sha256': 'e'.repeat(64) } };
      await expect(verifierAt(0).verify(retyped)).rejects.toBeInstanceOf(SignatureMismatchError);
      await expect(verifierAt(0).verify(rehashed)).rejects.toBeInstanceOf(SignatureMismatchError);
    });

    it('refuses a request dated more than 15 minutes from the server clock, either way', async () => {
      const request = await headerSigned({ path: '/tessera/k' });
      await expect(verifierAt(14 * 60_000).verify(request)).resolves.toBeDefined();
      await expect(verifierAt(16 * 60_000).verify(request)).rejects.toBeInstanceOf(RequestTimeTooSkewedError);
      await expect(verifierAt(-16 * 60_000).verify(request)).rejects.toBeInstanceOf(RequestTimeTooSkewedError);
    });

    it('refuses aws-chunked payloads, which s3rver would store with their framing', async () => {
      const request = await headerSigned({
        method: 'PUT',
        path: '/tessera/k',
        headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
      });
      await expect(verifierAt(0).verify(request)).rejects.toBeInstanceOf(UnsupportedPayloadError);
    });
  });

  describe('requests it cannot verify', () => {
    it('refuses anonymous, signature version 2, and mixed mechanisms', async () => {
      const anonymous = { method: 'GET', url: '/tessera/k', headers: { host } };
      const v2 = { ...anonymous, headers: { host, authorization: 'AWS tessera-test:c2lnbmF0dXJl' } };
      const v2Query = { ...anonymous, url: '/tessera/k?AWSAccessKeyId=tessera-test&Expires=1&Signature=x' };
      const presignedRequest = await presigned(get('k'));
      const mixed = { ...presignedRequest, headers: { ...presignedRequest.headers, authorization: 'AWS4-HMAC-SHA256 x' } };
      await expect(verifierAt(0).verify(anonymous)).rejects.toBeInstanceOf(MissingAuthenticationError);
      await expect(verifierAt(0).verify(v2)).rejects.toBeInstanceOf(UnsupportedAuthenticationError);
      await expect(verifierAt(0).verify(v2Query)).rejects.toBeInstanceOf(UnsupportedAuthenticationError);
      await expect(verifierAt(0).verify(mixed)).rejects.toBeInstanceOf(UnsupportedAuthenticationError);
    });

    it('refuses keys with dot segments (s3rver maps keys to files) and undecodable targets', async () => {
      for (const path of ['/tessera/a/../../etc/passwd', '/tessera/a%2F..%2F..%2Fb', '/tessera/./k', '/tessera/%E0%A4%A']) {
        const request = await headerSigned({ path });
        await expect(verifierAt(0).verify(request)).rejects.toBeInstanceOf(InvalidUriError);
      }
    });
  });
});

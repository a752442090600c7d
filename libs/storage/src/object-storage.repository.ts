import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { S3_CONFIG, parseS3Config, type S3Config } from './s3.config';
import {
  ContentLengthMismatchError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  StorageOperationError,
  isNotFound,
} from './storage.errors';

export interface PutObjectOptions {
  contentType?: string;
  /** Byte length of a Readable body. With it the body is streamed in one PutObject, never buffered. */
  contentLength?: number;
}

export interface ObjectHead {
  size: number;
  /** What the object was stored with; S3 answers `binary/octet-stream` when nothing was given. */
  contentType: string;
  etag: string | undefined;
}

// Longest validity S3 (SigV4) accepts for a presigned URL: seven days.
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
// Parts of an upload of unknown length: lib-storage holds at most queueSize x partSize in memory.
const MULTIPART_PART_SIZE = 8 * 1024 * 1024;
const MULTIPART_QUEUE_SIZE = 2;

/**
 * One bucket of S3-compatible storage (AWS S3, MinIO, the embedded server). The only class in
 * Tessera that talks to S3; everything else takes it by injection.
 */
@Injectable()
export class ObjectStorage implements OnModuleDestroy {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly region: string;

  constructor(@Inject(S3_CONFIG) config: S3Config) {
    const valid = parseS3Config(config);
    this.bucket = valid.bucket;
    this.region = valid.region;
    this.client = new S3Client({
      endpoint: valid.endpoint,
      region: valid.region,
      forcePathStyle: valid.forcePathStyle,
      credentials: { accessKeyId: valid.accessKeyId, secretAccessKey: valid.secretAccessKey },
      // With the SDK defaults (WHEN_SUPPORTED) a streamed PutObject is sent with aws-chunked
      // encoding plus a trailing CRC; servers that do not decode it (s3rver) store the framing
      // inside the object, with no error. Presigned PUTs would also carry the checksum of an empty
      // body, which real S3 then rejects. Our own integrity check is the SHA-256 we record.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      logger: sdkLogger,
    });
  }

  /** Creates the bucket unless it exists already (ours or, racing, another process's). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw new StorageOperationError('HeadBucket', undefined, error);
    }
    try {
      // us-east-1 is the one region that must not be named as a location constraint.
      const configuration =
        this.region === 'us-east-1'
          ? undefined
          : { LocationConstraint: this.region as BucketLocationConstraint };
      await this.client.send(
        new CreateBucketCommand({ Bucket: this.bucket, CreateBucketConfiguration: configuration }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
      throw new StorageOperationError('CreateBucket', undefined, error);
    }
  }

  /**
   * Stores `body` under `key`, replacing any object there.
   * - Buffer: one PutObject.
   * - Readable with `contentLength`: one streamed PutObject; a stream that delivers another number
   *   of bytes fails with ContentLengthMismatchError instead of hanging the request.
   * - Readable without length: a multipart upload (at most 16 MiB buffered at a time).
   */
  async putObject(key: string, body: Buffer | Readable, options: PutObjectOptions = {}): Promise<void> {
    assertKey(key);
    const { contentType } = options;
    if (Buffer.isBuffer(body)) {
      if (options.contentLength !== undefined && options.contentLength !== body.length) {
        throw new ContentLengthMismatchError(key, options.contentLength, body.length);
      }
      await this.send('PutObject', key, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
            ContentType: contentType,
          }),
        ),
      );
      return;
    }
    if (options.contentLength === undefined) {
      await this.putUnknownLength(key, body, contentType);
      return;
    }
    await this.putKnownLength(key, body, options.contentLength, contentType);
  }

  /**
   * The object's bytes as a stream. Missing object: ObjectNotFoundError. Read it to the end or
   * destroy() it: until then it holds one of the client's pooled connections.
   */
  async getObject(key: string): Promise<Readable> {
    assertKey(key);
    const output = await this.send('GetObject', key, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
    );
    if (!(output.Body instanceof Readable)) {
      throw new StorageOperationError('GetObject', key, new Error('response body is not a Node stream'));
    }
    return output.Body;
  }

  /**
   * The object's bytes in memory. With `maxBytes`, reading stops with ObjectTooLargeError as soon as
   * more than that has arrived, so an object of hostile size cannot exhaust memory.
   */
  async getBuffer(key: string, maxBytes?: number): Promise<Buffer> {
    const stream = await this.getObject(key);
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of stream) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        total += buffer.length;
        if (maxBytes !== undefined && total > maxBytes) {
          throw new ObjectTooLargeError(this.bucket, key, maxBytes);
        }
        chunks.push(buffer);
      }
    } finally {
      stream.destroy();
    }
    return Buffer.concat(chunks, total);
  }

  /** Size and type of the object, or null when there is none (not an error). */
  async headObject(key: string): Promise<ObjectHead | null> {
    assertKey(key);
    try {
      const output = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: output.ContentLength ?? 0,
        contentType: output.ContentType ?? 'binary/octet-stream',
        etag: output.ETag,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new StorageOperationError('HeadObject', key, error);
    }
  }

  /** Removes the object. Deleting a key that does not exist is not an error (as in S3 itself). */
  async deleteObject(key: string): Promise<void> {
    assertKey(key);
    await this.send('DeleteObject', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  /** A URL that lets its holder GET this one object, without credentials, until it expires. */
  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    assertKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: assertExpiry(expiresInSeconds),
    });
  }

  /**
   * A URL that lets its holder PUT this one object until it expires. With `contentType`, the type is
   * part of the signature: the uploader must send exactly that `Content-Type` header, or S3 refuses.
   */
  async presignPut(key: string, expiresInSeconds: number, contentType?: string): Promise<string> {
    assertKey(key);
    return getSignedUrl(
      this.client,
      new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
      // The presigner leaves content-type unsigned unless told: then the uploader could send any type.
      { expiresIn: assertExpiry(expiresInSeconds), ...(contentType ? { signableHeaders: new Set(['content-type']) } : {}) },
    );
  }

  /** Closes the client's pooled sockets. The instance must not be used afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  onModuleDestroy(): void {
    this.destroy();
  }

  private async putKnownLength(
    key: string,
    source: Readable,
    contentLength: number,
    contentType: string | undefined,
  ): Promise<void> {
    if (!Number.isSafeInteger(contentLength) || contentLength < 0) {
      throw new RangeError(`contentLength must be a non-negative integer, got ${contentLength}`);
    }
    // The HTTP request announces contentLength; if the source ended early, the server would wait
    // for the missing bytes until a timeout. Counting them lets us abort at once with a clear error.
    const counter = new LengthGuard(key, contentLength);
    const controller = new AbortController();
    let streamError: unknown;
    const piping = pipeline(source, counter).catch((error: unknown) => {
      streamError = error;
      controller.abort();
    });
    try {
      await this.send('PutObject', key, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: counter,
            ContentLength: contentLength,
            ContentType: contentType,
          }),
          { abortSignal: controller.signal },
        ),
      );
    } catch (error) {
      // Remember who failed first: destroying the guard below makes the pipeline fail too.
      const failedStream = streamError;
      counter.destroy();
      await piping;
      throw failedStream ?? error;
    }
    await piping;
    if (streamError !== undefined) throw streamError;
  }

  private async putUnknownLength(key: string, body: Readable, contentType: string | undefined): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: MULTIPART_PART_SIZE,
      queueSize: MULTIPART_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw new StorageOperationError('Upload', key, error);
    }
  }

  /** Runs one SDK call, turning "no such key" into ObjectNotFoundError and the rest into named errors. */
  private async send<T>(operation: string, key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isNotFound(error) && operation !== 'PutObject') {
        throw new ObjectNotFoundError(this.bucket, key);
      }
      throw new StorageOperationError(operation, key, error);
    }
  }
}

const logger = new Logger(ObjectStorage.name);

/*
 * Without a logger of its own the SDK writes some warnings straight to console, among them "An error
 * was encountered in a non-retryable streaming request." for every failed streamed upload; with one,
 * it also logs every failed command (each 404 of headObject) at error level. Callers get all of those
 * as thrown, named errors, so only other warnings are passed on to Nest's logger.
 */
const sdkLogger = {
  debug: (): void => undefined,
  info: (): void => undefined,
  error: (): void => undefined,
  warn: (...content: unknown[]): void => {
    if (String(content[0]).includes('non-retryable streaming request')) return;
    logger.warn(content.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' '));
  },
};

/** Passes bytes through unchanged and fails as soon as their count cannot match the announced one. */
class LengthGuard extends Transform {
  private seen = 0;

  constructor(
    private readonly key: string,
    private readonly expected: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) {
      callback(new ContentLengthMismatchError(this.key, this.expected, this.seen));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.expected) {
      callback(new ContentLengthMismatchError(this.key, this.expected, this.seen));
      return;
    }
    callback();
  }
}

function assertKey(key: string): void {
  // S3 limits keys to 1024 UTF-8 bytes; a leading slash would make a different, empty-named path
  // segment on path-style endpoints.
  if (key.length === 0 || Buffer.byteLength(key, 'utf8') > 1024 || key.startsWith('/')) {
    throw new RangeError(`invalid object key ${JSON.stringify(key)}`);
  }
}

function assertExpiry(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`presigned URL expiry must be 1..${MAX_PRESIGN_SECONDS} whole seconds, got ${seconds}`);
  }
  return seconds;
}

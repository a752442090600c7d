/**
 * Named storage errors, so callers can map them once (HTTP 404, a retry, a failed lease) without
 * looking at SDK error shapes, which differ between operations (GetObject says `NoSuchKey`,
 * HeadObject only a bare 404 `NotFound`).
 */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`object not found: s3://${bucket}/${key}`);
  }
}

export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly maxBytes: number,
  ) {
    super(`object s3://${bucket}/${key} is larger than the ${maxBytes} bytes allowed here`);
  }
}

/** Raised when a stream of announced length delivers a different number of bytes. */
export class ContentLengthMismatchError extends Error {
  override readonly name = 'ContentLengthMismatchError';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`upload of ${key}: announced ${expected} bytes, stream delivered ${actual}`);
  }
}

/** Wraps an SDK failure with the operation and key, keeping the original as `cause`. */
export class StorageOperationError extends Error {
  override readonly name = 'StorageOperationError';
  constructor(
    readonly operation: string,
    readonly key: string | undefined,
    cause: unknown,
  ) {
    super(
      `S3 ${operation}${key === undefined ? '' : ` ${key}`} failed: ${describe(cause)}`,
      { cause },
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${error.name}: ${error.message}${status === undefined ? '' : ` (HTTP ${status})`}`;
  }
  return String(error);
}

/**
 * True for the SDK's "no such key" answers: GetObject says NoSuchKey, HeadObject (which has no
 * response body to name anything) a bare 404 NotFound. A missing bucket is a configuration error,
 * not a missing object, so NoSuchBucket does not count.
 */
export function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error) || error.name === 'NoSuchBucket') return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404;
}

import { backOff } from 'exponential-backoff';

/** An HTTP answer from storage; 5xx and 429 are worth another try, other 4xx are not (expired or forged URL). */
export class StorageHttpError extends Error {
  override name = 'StorageHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof StorageHttpError) return error.status >= 500 || error.status === 429;
  // fetch rejects with a TypeError for refused connections, resets and DNS failures.
  return error instanceof TypeError;
}

/**
 * Retries a transfer through a presigned URL while storage is briefly unreachable (restarting, overloaded):
 * about a minute of exponential backoff before the tile is reported failed. Stops at once when aborted.
 */
export function withStorageRetries<T>(transfer: () => Promise<T>, signal: AbortSignal): Promise<T> {
  return backOff(transfer, {
    numOfAttempts: 10,
    startingDelay: 250,
    timeMultiple: 2,
    maxDelay: 10_000,
    jitter: 'full',
    retry: (error) => !signal.aborted && isTransient(error),
  });
}

import { z } from 'zod';

/**
 * Where and how to reach one bucket of S3-compatible storage. The same shape serves AWS S3, MinIO
 * and the embedded server of `tessera up`; only the values change.
 */
export interface S3Config {
  /** Omit for AWS S3; set for MinIO and the embedded server (`http://127.0.0.1:PORT`). */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Must be true for MinIO and the embedded server: virtual-host style would put the bucket in the
   * host name (`bucket.127.0.0.1`), which does not resolve.
   */
  forcePathStyle: boolean;
}

/** Injection token for an {@link S3Config} when the storage classes are wired through Nest. */
export const S3_CONFIG = Symbol('S3_CONFIG');

// S3 bucket naming rules, reduced to the part that stops typos early; the server has the last word.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const s3ConfigSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  region: z.string().min(1),
  bucket: z.string().regex(BUCKET_NAME, 'not a valid S3 bucket name'),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  forcePathStyle: z.boolean(),
}) satisfies z.ZodType<S3Config>;

/**
 * Validates a config once, at construction, so that a wrong value fails with the field's name
 * instead of as an obscure SDK error on the first request.
 */
export function parseS3Config(input: unknown): S3Config {
  const result = s3ConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new InvalidS3ConfigError(problems);
  }
  return result.data;
}

export class InvalidS3ConfigError extends Error {
  override readonly name = 'InvalidS3ConfigError';
  constructor(problems: string) {
    super(`invalid S3 configuration: ${problems}`);
  }
}

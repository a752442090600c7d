import { z } from 'zod';
import { bitDepthSchema, rendererNameSchema } from './renderer-name';
import { regionSchema } from './region';

/** A worker id is one NATS subject token: it appears in the subjects the worker publishes on. */
export const workerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -');

/**
 * A worker's public key: an Ed25519 NATS NKey of the user kind (`U` and 55 base32 characters). The worker
 * authenticates to NATS with it and signs every result with it.
 */
export const publicKeySchema = z.string().regex(/^U[A-Z2-7]{55}$/, 'must be a NATS user public key (U followed by 55 base32 characters)');

/** An Ed25519 signature (64 bytes), base64url without padding. */
export const signatureSchema = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be 64 bytes, base64url without padding');

export const gpuSchema = z
  .object({
    index: z.number().int().min(0),
    name: z.string().max(200),
    memoryMiB: z.number().int().min(0),
    driverVersion: z.string().max(64),
  })
  .strict();
export type Gpu = z.infer<typeof gpuSchema>;

export const capabilitiesSchema = z
  .object({
    renderers: z
      .array(z.object({ name: rendererNameSchema, version: z.string().min(1).max(128) }).strict())
      .min(1, 'a worker must offer at least one renderer'),
    cpuCores: z.number().int().min(1).max(4096),
    memoryMiB: z.number().int().min(1),
    gpus: z.array(gpuSchema).max(64),
    /** How many tiles the worker renders at once. */
    slots: z.number().int().min(1).max(256),
  })
  .strict();
export type Capabilities = z.infer<typeof capabilitiesSchema>;

export const registerRequestSchema = z
  .object({
    workerId: workerIdSchema,
    name: z.string().min(1).max(128),
    protocol: z.literal('v1'),
    /** The key this worker signs its results with (and, on an authenticated NATS, connects with). */
    publicKey: publicKeySchema,
    capabilities: capabilitiesSchema,
  })
  .strict();
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

export const registerReplySchema = z
  .object({
    workerId: workerIdSchema,
    heartbeatIntervalMs: z.number().int().positive(),
    leaseTtlMs: z.number().int().positive(),
  })
  .strict();
export type RegisterReply = z.infer<typeof registerReplySchema>;

export const workRequestSchema = z
  .object({
    workerId: workerIdSchema,
    /** The number of tiles wanted now: the worker's free slots. */
    max: z.number().int().min(1).max(256),
  })
  .strict();
export type WorkRequest = z.infer<typeof workRequestSchema>;

export const leaseSchema = z
  .object({
    leaseId: z.string().uuid(),
    tileId: z.string().uuid(),
    jobId: z.string().uuid(),
    /** 1 for the first lease of a tile, +1 for each later one. */
    attempt: z.number().int().min(1),
    renderer: rendererNameSchema,
    frame: z.number().int(),
    /** Full frame size; the tile is `region` of it. */
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    region: regionSchema,
    samples: z.number().int().min(1),
    seed: z.number().int().min(0),
    bitDepth: bitDepthSchema,
    scene: z
      .object({
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        size: z.number().int().min(0),
        /** Presigned GET, valid until the lease expires at the earliest. */
        url: z.string().url(),
      })
      .strict(),
    /** Presigned PUT for exactly one object: the tile's PNG. */
    output: z.object({ url: z.string().url() }).strict(),
    /** Presigned PUT for the renderer's log of this lease (text, at most 64 KiB), so artists can read why a tile failed. */
    log: z.object({ url: z.string().url() }).strict(),
    expiresAt: z.string().datetime(),
  })
  .strict();
export type Lease = z.infer<typeof leaseSchema>;

export const workReplySchema = z
  .object({
    /** No tile available is not an error: the list is empty. */
    leases: z.array(leaseSchema),
  })
  .strict();
export type WorkReply = z.infer<typeof workReplySchema>;

export const heartbeatRequestSchema = z
  .object({
    workerId: workerIdSchema,
    leaseIds: z.array(z.string().uuid()).max(256),
  })
  .strict();
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

export const heartbeatReplySchema = z
  .object({
    /** Leases extended until the given time. */
    renewed: z.array(z.object({ leaseId: z.string().uuid(), expiresAt: z.string().datetime() }).strict()),
    /** Leases the worker must stop rendering now: cancelled, expired or given to another worker. */
    abort: z.array(z.string().uuid()),
  })
  .strict();
export type HeartbeatReply = z.infer<typeof heartbeatReplySchema>;

export const releaseRequestSchema = z
  .object({
    workerId: workerIdSchema,
    leaseIds: z.array(z.string().uuid()).min(1).max(256),
    reason: z.string().max(500),
  })
  .strict();
export type ReleaseRequest = z.infer<typeof releaseRequestSchema>;

export const releaseReplySchema = z.object({ released: z.array(z.string().uuid()) }).strict();
export type ReleaseReply = z.infer<typeof releaseReplySchema>;

export const tileResultSchema = z.discriminatedUnion('status', [
  z
    .object({
      status: z.literal('rendered'),
      leaseId: z.string().uuid(),
      tileId: z.string().uuid(),
      /** The lease's `attempt`: part of what is signed, so a result cannot be moved to another attempt. */
      attempt: z.number().int().min(1),
      workerId: workerIdSchema,
      /** SHA-256 of the decoded pixels (see libs/imaging pixelHash), committed before any check is chosen. */
      pixelSha256: z.string().regex(/^[0-9a-f]{64}$/),
      width: z.number().int().min(1),
      height: z.number().int().min(1),
      renderSeconds: z.number().min(0),
      device: z.string().min(1).max(200),
      rendererVersion: z.string().min(1).max(128),
      /**
       * Ed25519 signature of `canonicalResult` by the worker's key (result-signature.ts). Optional in the
       * schema only so that an unsigned result is recorded as such instead of dropped as malformed; the
       * coordinator never accepts one.
       */
      signature: signatureSchema.optional(),
    })
    .strict(),
  z
    .object({
      status: z.literal('failed'),
      leaseId: z.string().uuid(),
      tileId: z.string().uuid(),
      attempt: z.number().int().min(1),
      workerId: workerIdSchema,
      error: z.string().min(1).max(4000),
      renderSeconds: z.number().min(0),
      signature: signatureSchema.optional(),
    })
    .strict(),
]);
export type TileResult = z.infer<typeof tileResultSchema>;
/** A result as the worker builds it, before it is signed. */
export type UnsignedTileResult = WithoutSignature<TileResult>;
type WithoutSignature<T> = T extends unknown ? Omit<T, 'signature'> : never;

/** The content type a tile log is uploaded with (its presigned PUT signs it). */
export const LOG_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** The reply to any request that could not be served. */
export const errorReplySchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }).strict() })
  .strict();
export type ErrorReply = z.infer<typeof errorReplySchema>;

import { z } from 'zod';
import { describeIssues } from './parse';

/**
 * Tessera's configuration, read once at start-up from the environment and validated; a wrong value stops the
 * process with a message naming the variable. `tessera up` fills the endpoints of the embedded services; each
 * variable set in the environment switches that part to an external service without code changes.
 */
export interface TesseraConfig {
  /** Directory of the embedded services' data (`.tessera/`). */
  home: string;
  natsUrl: string;
  /**
   * This service's NATS NKey seed file (NATS_NKEY_SEED_FILE): set, the process authenticates with it;
   * unset, it connects without credentials (an external NATS without authentication).
   */
  natsSeedFile?: string;
  /**
   * The directory of the embedded nats-server's authorisation (NATS_AUTH_DIR, set by `tessera up`): where
   * worker keys are allowed and revoked. Unset on an external NATS, whose operator manages its users.
   */
  natsAuthDir?: string;
  /** JetStream replicas for Tessera's streams; undefined: 3 on a cluster of 3 or more servers, else 1. */
  natsReplicas: number | undefined;
  /** postgres://... for PostgreSQL; undefined for the embedded SQLite file under `home`. */
  databaseUrl: string | undefined;
  s3: {
    endpoint?: string;
    region: string;
    bucket: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
  };
  api: {
    host: string;
    port: number;
    maxSceneBytes: number;
    publicUrl?: string;
    /** Requests per key per minute; more get 429 with Retry-After. */
    rateLimitPerMinute: number;
  };
  /** Spot-checks (docs/verification.md). */
  verification: {
    enabled: boolean;
    /** Results of a new (or just failed) worker checked one by one. */
    probation: number;
    /** The lowest check rate of a worker on a long streak. */
    qFloor: number;
    /** Rectangles per patch check, and the share of the tile they cover together. */
    patches: number;
    patchArea: number;
    /** How long a check waits for a worker of another operator before any other worker may take it. */
    otherOperatorWaitMs: number;
    /** A check no worker could take in this long is dropped (the original stands, unverified). */
    checkTimeoutMs: number;
  };
  /** What rendering costs (docs/credits.md); a job keeps the prices it was submitted at. */
  pricing: {
    /** Micro-credits per million samples (pixels x samples), per renderer. */
    ratePerMegasample: { builtin: number; blender: number; povray: number };
    /** The platform's share of each payment, in basis points (1000 = 10%). */
    feeBasisPoints: number;
    /** Held on top of a job's tiles for spot-check renders, in basis points of their price. */
    verificationAllowanceBasisPoints: number;
  };
  scheduling: {
    leaseTtlMs: number;
    heartbeatIntervalMs: number;
    maxAttempts: number;
    sweepIntervalMs: number;
    stitchStaleMs: number;
    /** Messages of one kind (work requests, heartbeats, results...) a coordinator handles at once. */
    concurrency: number;
    /** Presigned URLs handed to workers live this long (at least a lease, so a slow upload still works). */
    presignTtlSeconds: number;
    /** A worker that failed this many renders of one job gets no more of its tiles. */
    blocklistAfterFailures: number;
    /** A tile a worker failed goes to other workers for this long before that worker may take it again. */
    retryElsewhereMs: number;
    /** Near the end of a job, a lease running this many times the median render time gets a backup copy... */
    stragglerFactor: number;
    /** ...once it has run at least this long. */
    stragglerMinMs: number;
  };
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Variable name -> schema. Every variable Tessera reads is listed here and in docs/operations.md. */
const envSchema = z.object({
  TESSERA_HOME: z.string().min(1).default('.tessera'),
  NATS_URL: z.string().regex(/^(nats|tls):\/\/[^,\s]+(,\s*(nats|tls):\/\/[^,\s]+)*$/, 'must be nats://host:port[,nats://...]').optional(),
  NATS_REPLICAS: int(1, 5).optional(),
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  NATS_AUTH_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must be postgres://... or sqlite:<path>').optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid S3 bucket name').default('tessera'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: int(0, 65535).default(8480),
  API_PUBLIC_URL: z.url().optional(),
  MAX_SCENE_BYTES: int(1, 64 * 1024 ** 3).default(2 * 1024 ** 3),
  API_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(1_200),
  SPOT_CHECKS: bool.default(true),
  CHECK_PROBATION: int(0, 1_000_000).default(10),
  CHECK_Q_FLOOR: z.coerce.number().gt(0).max(1).default(0.28),
  CHECK_PATCHES: int(1, 64).default(3),
  CHECK_PATCH_AREA: z.coerce.number().gt(0).max(1).default(0.2),
  CHECK_OTHER_OPERATOR_WAIT_MS: int(0, 24 * 3600_000).default(10_000),
  CHECK_TIMEOUT_MS: int(1000, 7 * 24 * 3600_000).default(15 * 60_000),
  // Starting prices (docs/credits.md): a 1920x1080 frame at 128 samples is 265.4 megasamples.
  PRICE_BUILTIN_PER_MEGASAMPLE: int(0, 1_000_000_000).default(1_000),
  PRICE_BLENDER_PER_MEGASAMPLE: int(0, 1_000_000_000).default(4_000),
  PRICE_POVRAY_PER_MEGASAMPLE: int(0, 1_000_000_000).default(2_000),
  PLATFORM_FEE_BASIS_POINTS: int(0, 10_000).default(1_000),
  VERIFICATION_ALLOWANCE_BASIS_POINTS: int(0, 100_000).default(1_000),
  LEASE_TTL_MS: int(1000, 24 * 3600_000).default(30_000),
  // Unset: 10 s, or a third of LEASE_TTL_MS when that is shorter (loadConfig).
  HEARTBEAT_INTERVAL_MS: int(100, 3600_000).optional(),
  MAX_TILE_ATTEMPTS: int(1, 100).default(3),
  SWEEP_INTERVAL_MS: int(50, 600_000).default(1_000),
  STITCH_STALE_MS: int(1000, 24 * 3600_000).default(120_000),
  COORDINATOR_CONCURRENCY: int(1, 1000).default(32),
  PRESIGN_TTL_SECONDS: int(60, 7 * 24 * 3600).default(3600),
  BLOCKLIST_AFTER_FAILURES: int(1, 1000).default(3),
  RETRY_ELSEWHERE_MS: int(0, 24 * 3600_000).default(30_000),
  STRAGGLER_FACTOR: z.coerce.number().min(1.5).max(100).default(3),
  STRAGGLER_MIN_MS: int(0, 24 * 3600_000).default(30_000),
});

const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

export type TesseraEnv = z.input<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Builds the configuration from environment variables; `embedded` supplies the endpoints of the services
 * `tessera up` started for the variables left unset.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  embedded: Partial<Pick<TesseraConfig, 'natsUrl' | 's3'>> = {},
): TesseraConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error).join('; ')}`);
  const e = parsed.data;
  const natsUrl = e.NATS_URL ?? embedded.natsUrl;
  if (!natsUrl) throw new ConfigError('invalid configuration: NATS_URL: required (or run `tessera up` for an embedded NATS)');
  const s3 =
    e.S3_ENDPOINT || e.S3_ACCESS_KEY_ID || !embedded.s3
      ? {
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          bucket: e.S3_BUCKET,
          accessKeyId: required(e.S3_ACCESS_KEY_ID, 'S3_ACCESS_KEY_ID'),
          secretAccessKey: required(e.S3_SECRET_ACCESS_KEY, 'S3_SECRET_ACCESS_KEY'),
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
        }
      : embedded.s3;
  // Each heartbeat is a transaction on the coordinator: 10 s unless the lease is too short for three of them.
  const heartbeatIntervalMs = e.HEARTBEAT_INTERVAL_MS ?? Math.max(100, Math.min(DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor(e.LEASE_TTL_MS / 3)));
  if (heartbeatIntervalMs * 3 > e.LEASE_TTL_MS) {
    throw new ConfigError('invalid configuration: LEASE_TTL_MS must be at least 3 x HEARTBEAT_INTERVAL_MS, so one lost heartbeat does not expire a lease');
  }
  return {
    home: e.TESSERA_HOME,
    natsUrl,
    natsSeedFile: e.NATS_NKEY_SEED_FILE,
    natsAuthDir: e.NATS_AUTH_DIR,
    natsReplicas: e.NATS_REPLICAS,
    databaseUrl: e.DATABASE_URL,
    s3,
    api: { host: e.API_HOST, port: e.API_PORT, maxSceneBytes: e.MAX_SCENE_BYTES, publicUrl: e.API_PUBLIC_URL, rateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE },
    verification: {
      enabled: e.SPOT_CHECKS,
      probation: e.CHECK_PROBATION,
      qFloor: e.CHECK_Q_FLOOR,
      patches: e.CHECK_PATCHES,
      patchArea: e.CHECK_PATCH_AREA,
      otherOperatorWaitMs: e.CHECK_OTHER_OPERATOR_WAIT_MS,
      checkTimeoutMs: e.CHECK_TIMEOUT_MS,
    },
    pricing: {
      ratePerMegasample: { builtin: e.PRICE_BUILTIN_PER_MEGASAMPLE, blender: e.PRICE_BLENDER_PER_MEGASAMPLE, povray: e.PRICE_POVRAY_PER_MEGASAMPLE },
      feeBasisPoints: e.PLATFORM_FEE_BASIS_POINTS,
      verificationAllowanceBasisPoints: e.VERIFICATION_ALLOWANCE_BASIS_POINTS,
    },
    scheduling: {
      leaseTtlMs: e.LEASE_TTL_MS,
      heartbeatIntervalMs,
      maxAttempts: e.MAX_TILE_ATTEMPTS,
      sweepIntervalMs: e.SWEEP_INTERVAL_MS,
      stitchStaleMs: e.STITCH_STALE_MS,
      concurrency: e.COORDINATOR_CONCURRENCY,
      presignTtlSeconds: e.PRESIGN_TTL_SECONDS,
      blocklistAfterFailures: e.BLOCKLIST_AFTER_FAILURES,
      retryElsewhereMs: e.RETRY_ELSEWHERE_MS,
      stragglerFactor: e.STRAGGLER_FACTOR,
      stragglerMinMs: e.STRAGGLER_MIN_MS,
    },
  };
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new ConfigError(`invalid configuration: ${name}: required when S3_ENDPOINT or S3 credentials are set`);
  return value;
}

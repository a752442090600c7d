import { randomUUID } from 'node:crypto';
import { areaPrice, planTiles, shareOf } from '@tessera/domain';
import { JobEntity, planRows, SceneEntity, type PlannedJob } from '@tessera/persistence';

export const SCENE_ID = 'a'.repeat(64);
/** The artist every planned job belongs to; the scenarios open and fund it. */
export const ARTIST_ID = 'artist-1';
/** One credit per megasample: a 16x48 tile at 4 samples costs 3,072 micro-credits. */
export const RATE = 1_000_000;
export const FEE_BASIS_POINTS = 1_000;

export function scene(): SceneEntity {
  return Object.assign(new SceneEntity(), {
    id: SCENE_ID,
    renderer: 'builtin',
    size: 123,
    name: 'test.scene.json',
    storageKey: `scenes/sha256/${SCENE_ID}`,
    info: { frameStart: 1, frameEnd: 10, width: 64, height: 48, samples: 4, notes: [] },
    createdAt: 0,
  });
}

/** A job planned the way the API plans one: frames x (cols x rows) tiles, all pending. */
export function plannedJob(options: { frames?: number[]; cols?: number; rows?: number; priority?: number; maxAttempts?: number; createdAt?: number; idempotencyKey?: string } = {}): PlannedJob {
  const frames = options.frames ?? [1];
  const regions = planTiles(64, 48, options.cols ?? 2, options.rows ?? 2);
  const job = Object.assign(new JobEntity(), {
    id: randomUUID(), accountId: ARTIST_ID, ratePerMegasample: RATE, feeBasisPoints: FEE_BASIS_POINTS, sceneId: SCENE_ID, renderer: 'builtin', frames, width: 64, height: 48, samples: 4, seed: 0,
    tileCols: options.cols ?? 2, tileRows: options.rows ?? 2, bitDepth: 8, priority: options.priority ?? 0,
    maxAttempts: options.maxAttempts ?? 3, state: 'queued' as const, idempotencyKey: options.idempotencyKey ?? null,
    requestHash: null, error: null, createdAt: options.createdAt ?? 0, startedAt: null, finishedAt: null,
  });
  return planRows(job, regions);
}

export const facts = { pixelSha256: 'b'.repeat(64), renderSeconds: 1.5, device: 'cpu', rendererVersion: 'builtin-1' };

/** What the API holds in escrow for a planned job: its tiles' prices, and a 10% allowance. */
export function estimateOf(planned: PlannedJob): { tilesPrice: number; allowance: number } {
  const tilesPrice = planned.tiles.reduce((sum, tile) => sum + areaPrice(RATE, tile, planned.job.samples), 0);
  return { tilesPrice, allowance: shareOf(tilesPrice, 1_000, 'up') };
}

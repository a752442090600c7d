import { randomUUID } from 'node:crypto';
import { planTiles } from '@tessera/domain';
import { JobEntity, planRows, SceneEntity, type PlannedJob } from '@tessera/persistence';

export const SCENE_ID = 'a'.repeat(64);

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
    id: randomUUID(), sceneId: SCENE_ID, renderer: 'builtin', frames, width: 64, height: 48, samples: 4, seed: 0,
    tileCols: options.cols ?? 2, tileRows: options.rows ?? 2, bitDepth: 8, priority: options.priority ?? 0,
    maxAttempts: options.maxAttempts ?? 3, state: 'queued' as const, idempotencyKey: options.idempotencyKey ?? null,
    requestHash: null, error: null, createdAt: options.createdAt ?? 0, startedAt: null, finishedAt: null,
  });
  return planRows(job, regions);
}

export const facts = { pixelSha256: 'b'.repeat(64), renderSeconds: 1.5, device: 'cpu', rendererVersion: 'builtin-1' };

import { randomUUID } from 'node:crypto';
import { planTiles } from '@tessera/domain';
import { FrameEntity, JobEntity, SceneEntity, TileEntity, type PlannedJob } from '@tessera/persistence';

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
  const frameRows: FrameEntity[] = [];
  const tiles: TileEntity[] = [];
  for (const frame of frames) {
    const frameId = randomUUID();
    frameRows.push(Object.assign(new FrameEntity(), {
      id: frameId, jobId: job.id, frame, state: 'pending' as const, tilesTotal: regions.length, tilesAccepted: 0,
      outputKey: null, thumbnailKey: null, stitchStartedAt: null, stitchedAt: null,
    }));
    regions.forEach((region, index) =>
      tiles.push(Object.assign(new TileEntity(), {
        id: randomUUID(), jobId: job.id, frameId, frame, index, ...region, state: 'pending' as const,
        attempts: 0, failures: 0, leaseId: null, leaseExpiresAt: null, outputKey: null, pixelSha256: null, error: null,
      })),
    );
  }
  return { job, frames: frameRows, tiles };
}

export const facts = { pixelSha256: 'b'.repeat(64), renderSeconds: 1.5, device: 'cpu', rendererVersion: 'builtin-1' };

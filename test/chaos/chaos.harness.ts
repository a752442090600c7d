import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, pixelHash } from '@tessera/imaging';
import { AttemptEntity, Database, databaseConfigFrom, TileEntity } from '@tessera/persistence';
import { BuiltinRenderer } from '@tessera/renderers';
import { ObjectStorage } from '@tessera/storage';
import type { FarmOptions } from '../../apps/cli/src/farm';
import { EXAMPLES, startTestFarm, type TestFarm } from '../e2e/farm.harness';

/** The job every scenario renders: heavy enough that tiles are killed mid-render, small enough for CI. */
export const CHAOS_JOB = { frames: [1, 2, 3, 4], width: 160, height: 90, samples: 192, seed: 11, tiles: '3x3' } as const;

const SCENE = join(EXAMPLES, 'orbit.scene.json');

export async function submitChaosJob(t: TestFarm, overrides: Partial<typeof CHAOS_JOB> = {}): Promise<string> {
  const spec = { ...CHAOS_JOB, ...overrides };
  const scene = await t.api.uploadScene(SCENE, 'builtin');
  const job = await t.api.submitJob({
    sceneId: scene.id, frames: spec.frames.join(','), width: spec.width, height: spec.height, samples: spec.samples, seed: spec.seed, tiles: spec.tiles,
  });
  return job.id;
}

/**
 * Pixel hashes of the builtin renderer's own full-frame renders. Every scenario renders the same job, so the
 * hashes are kept in a file under the temp dir for the other test files (jest runs them in other processes).
 */
export async function referenceHashes(spec: typeof CHAOS_JOB = CHAOS_JOB): Promise<Map<number, string>> {
  const key = createHash('sha256').update(JSON.stringify({ spec, scene: await readFile(SCENE, 'utf8') })).digest('hex').slice(0, 16);
  const file = join(tmpdir(), 'tessera-chaos-reference', `${key}.json`);
  const cached = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Record<string, string>, () => null);
  if (cached) return new Map(Object.entries(cached).map(([frame, hash]) => [Number(frame), hash]));
  const renderer = new BuiltinRenderer();
  const hashes = new Map<number, string>();
  for (const frame of spec.frames) {
    const { png } = await renderer.renderTile({
      scenePath: SCENE, frame, width: spec.width, height: spec.height, region: { x: 0, y: 0, width: spec.width, height: spec.height },
      samples: spec.samples, seed: spec.seed, bitDepth: 8, signal: new AbortController().signal,
    });
    hashes.set(frame, await pixelHash(png));
  }
  await mkdir(join(tmpdir(), 'tessera-chaos-reference'), { recursive: true });
  await writeFile(file, JSON.stringify(Object.fromEntries(hashes)));
  return hashes;
}

export async function openFarmDatabase(t: TestFarm): Promise<Database> {
  const config = t.farm.config as NonNullable<TestFarm['farm']['config']>;
  return Database.open(databaseConfigFrom(config.databaseUrl, join(config.home, 'tessera.sqlite')));
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const activeAttempts = (db: Database, jobId: string) => db.manager.findBy(AttemptEntity, { jobId, state: 'active' });

/**
 * What every scenario must end with: the job completed; each stitched frame in S3 is pixel-identical to the
 * reference render; every tile was accepted exactly once (one succeeded attempt, and it is the tile's output);
 * no lease is left open.
 */
export async function expectIntactJob(t: TestFarm, jobId: string, timeoutMs = 240_000): Promise<void> {
  const job = await waitFor(() => t.api.job(jobId), (j) => ['completed', 'failed', 'cancelled'].includes(j.state), timeoutMs, `job ${jobId} to end`);
  expect(job.state).toBe('completed');
  const reference = await referenceHashes();
  const storage = new ObjectStorage((t.farm.config as NonNullable<TestFarm['farm']['config']>).s3);
  try {
    for (const [frame, hash] of reference) {
      const stored = await storage.getBuffer(`jobs/${jobId}/frames/${String(frame).padStart(4, '0')}.png`);
      expect({ frame, hash: await pixelHash(await decodePng(stored)) }).toEqual({ frame, hash });
    }
  } finally {
    storage.destroy();
  }
  const db = await openFarmDatabase(t);
  try {
    // The frame's tiles (spot-check regions are tiles too, never stitched): each accepted, its output that of
    // exactly one succeeded attempt (a tile rendered again after its first worker was caught has two).
    const tiles = await db.manager.findBy(TileEntity, { jobId, purpose: 'render' });
    const succeeded = await db.manager.findBy(AttemptEntity, { jobId, state: 'succeeded' });
    expect(tiles.every((tile) => tile.state === 'accepted')).toBe(true);
    for (const tile of tiles) {
      expect({ tile: tile.id, outputs: succeeded.filter((a) => a.tileId === tile.id && a.outputKey === tile.outputKey).length }).toEqual({ tile: tile.id, outputs: 1 });
    }
    expect(await activeAttempts(db, jobId)).toEqual([]);
  } finally {
    await db.close();
  }
}

/** A service a scenario starts before the farm (a PostgreSQL, a NATS cluster), with the environment to reach it. */
export interface ChaosDependency {
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * Starts a farm for the scenarios of one describe block (and what it depends on), stops it afterwards.
 * Returns a getter, since the farm exists only once beforeAll has run.
 */
export function useChaosFarm(options: Partial<FarmOptions>, dependency?: () => Promise<ChaosDependency>): () => TestFarm {
  let farm: TestFarm | undefined;
  let extra: ChaosDependency | undefined;
  beforeAll(async () => {
    await referenceHashes();
    extra = await dependency?.();
    farm = await startTestFarm({ ...options, env: { ...options.env, ...extra?.env } });
  }, 300_000);
  afterAll(async () => {
    await farm?.stop();
    await extra?.stop();
  });
  return () => {
    if (!farm) throw new Error('the chaos farm did not start');
    return farm;
  };
}

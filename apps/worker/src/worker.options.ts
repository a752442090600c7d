/** How one worker process runs; from `tessera worker` flags (see docs/operations.md). */
export interface WorkerOptions {
  natsUrl: string;
  /** Stable identity: the NATS subject token results are published under. */
  workerId: string;
  /**
   * The worker's NKey (its identity file, `tessera worker init`): it authenticates to NATS with it and signs
   * every result with it.
   */
  identity: { publicKey: string; seed: Uint8Array };
  name: string;
  /** Tiles rendered at once. */
  slots: number;
  /** Where scenes are cached by SHA-256 between tiles. */
  cacheDir: string;
  /** Blender: keep one Blender per slot with the scene loaded (warm, default) or start one per tile (cold). */
  blenderMode: 'warm' | 'cold';
  /** Blender: the Cycles device; `cpu` always works, a GPU kind only where the machine has one. */
  blenderDevice: 'cpu' | 'cuda' | 'optix' | 'hip';
  /** A render running longer than this is stopped and reported failed (the tile is retried elsewhere). */
  tileTimeoutMs: number;
  /** On SIGTERM, how long running tiles may take to finish before their leases are given back. */
  drainTimeoutMs: number;
  /** How long to wait before asking again when the coordinators had no work. */
  idlePollMs: number;
  requestTimeoutMs: number;
}

export const WORKER_OPTIONS = Symbol('WORKER_OPTIONS');

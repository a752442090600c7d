import type { PreparedScene } from '../archive/scene-workspace';
import type { BlenderSession } from './blender-session';

export interface WarmBlenderOptions {
  /** Idle sessions kept at most (one per worker slot is plenty); the least recently used goes first. */
  maxIdle: number;
  /** An idle session older than this is closed: a worker that moved on should give the memory back. */
  idleTimeoutMs: number;
}

interface Idle {
  session: BlenderSession;
  timer: NodeJS.Timeout;
}

/**
 * Warm Blender: long-lived sessions, one per scene being rendered at a time, each loading its scene once
 * and then rendering tile after tile of it (`render.use_persistent_data` keeps the synced scene between
 * renders). Starting Blender and loading the scene is about half the wall time of a small tile.
 *
 * A tile takes an idle session of its scene, or starts a new one; while it renders, the session is its
 * own. A session goes back to the idle list only after a tile that succeeded in every respect (the caller
 * checked the image too); after anything else it is killed and replaced by a fresh one on the next tile:
 * a process that misbehaved once is never trusted again. A session whose process died while idle is
 * dropped when next looked at.
 */
export class WarmBlender {
  private readonly idle: Idle[] = [];
  private readonly busy = new Set<BlenderSession>();
  private closed = false;

  constructor(
    private readonly start: (scene: PreparedScene) => Promise<BlenderSession>,
    private readonly options: WarmBlenderOptions,
  ) {}

  /**
   * Runs `work` on a warm session of `scene`. `work` resolving means the session behaved and may be reused;
   * throwing kills it.
   */
  async use<T>(scene: PreparedScene, work: (session: BlenderSession) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('warm Blender is closed');
    const session = this.takeIdle(scene.dir) ?? (await this.start(scene));
    this.busy.add(session);
    try {
      const result = await work(session);
      this.busy.delete(session);
      this.putBack(session);
      return result;
    } catch (error) {
      this.busy.delete(session);
      await session.close();
      throw error;
    }
  }

  /** Idle sessions right now, for tests and metrics. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Kills every session, idle or busy (a busy tile then fails with the session's exit). */
  async close(): Promise<void> {
    this.closed = true;
    const sessions = [...this.idle.map((i) => i.session), ...this.busy];
    for (const item of this.idle) clearTimeout(item.timer);
    this.idle.length = 0;
    for (const session of sessions) session.kill();
    await Promise.all(sessions.map((s) => s.close()));
  }

  private takeIdle(sceneDir: string): BlenderSession | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const item = this.idle[i];
      if (!item.session.alive) {
        this.drop(i);
        continue;
      }
      if (item.session.sceneDir !== sceneDir) continue;
      clearTimeout(item.timer);
      this.idle.splice(i, 1);
      return item.session;
    }
    return undefined;
  }

  private putBack(session: BlenderSession): void {
    if (this.closed || !session.alive) {
      void session.close();
      return;
    }
    const timer = setTimeout(() => {
      const index = this.idle.findIndex((i) => i.session === session);
      if (index >= 0) this.drop(index);
    }, this.options.idleTimeoutMs);
    timer.unref();
    this.idle.push({ session, timer });
    while (this.idle.length > this.options.maxIdle) this.drop(0);
  }

  private drop(index: number): void {
    const [item] = this.idle.splice(index, 1);
    clearTimeout(item.timer);
    void item.session.close();
  }
}

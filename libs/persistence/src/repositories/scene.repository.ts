import { Database } from '../database';
import { SceneEntity } from '../entities';

export class SceneRepository {
  constructor(private readonly db: Database) {}

  findById(id: string): Promise<SceneEntity | null> {
    return this.db.manager.findOneBy(SceneEntity, { id });
  }

  /** The same bytes uploaded twice are one scene: the first record wins and is returned. */
  async saveIfAbsent(scene: SceneEntity): Promise<SceneEntity> {
    return this.db.transaction(async (manager) => {
      const existing = await manager.findOneBy(SceneEntity, { id: scene.id });
      if (existing) return existing;
      await manager.insert(SceneEntity, scene);
      return scene;
    });
  }
}

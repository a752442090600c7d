import { Database } from '../database';
import { SceneEntity, SceneOwnerEntity } from '../entities';

export class SceneRepository {
  constructor(private readonly db: Database) {}

  findById(id: string): Promise<SceneEntity | null> {
    return this.db.manager.findOneBy(SceneEntity, { id });
  }

  /** The scene if `accountId` owns it (any scene for null: an admin); to anyone else it does not exist. */
  async findOwned(id: string, accountId: string | null): Promise<{ scene: SceneEntity; name: string } | null> {
    const scene = await this.findById(id);
    if (!scene) return null;
    if (accountId === null) return { scene, name: scene.name };
    const owner = await this.db.manager.findOneBy(SceneOwnerEntity, { sceneId: id, accountId });
    return owner ? { scene, name: owner.name } : null;
  }

  /**
   * The same bytes uploaded twice are one scene: the first record wins and is returned. The uploader becomes
   * an owner either way; `created` says whether this upload was the first of these bytes for this account,
   * and `name` is the name this account knows the scene by (the one it gave first).
   */
  async saveIfAbsent(scene: SceneEntity, owner: { accountId: string; name: string; now: number }): Promise<{ scene: SceneEntity; created: boolean; name: string }> {
    return this.db.transaction(async (manager) => {
      const existing = await manager.findOneBy(SceneEntity, { id: scene.id });
      if (!existing) await manager.insert(SceneEntity, scene);
      const owned = await manager.findOneBy(SceneOwnerEntity, { sceneId: scene.id, accountId: owner.accountId });
      if (!owned) await manager.insert(SceneOwnerEntity, { sceneId: scene.id, accountId: owner.accountId, name: owner.name, createdAt: owner.now });
      return { scene: existing ?? scene, created: !owned, name: owned?.name ?? owner.name };
    });
  }
}

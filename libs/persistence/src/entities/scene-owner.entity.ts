import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/**
 * Who may use a scene. A scene is stored once per content hash, so two accounts that upload the same bytes
 * share the stored object but each owns it through a row here; to anyone else it does not exist.
 */
@Entity('scene_owners')
export class SceneOwnerEntity {
  @PrimaryColumn('varchar', { length: 64 })
  sceneId: string;

  @PrimaryColumn('varchar', { length: 64 })
  accountId: string;

  /** The name this account gave the scene. */
  @Column('varchar', { length: 255 })
  name: string;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;
}

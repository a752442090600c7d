import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigNumber, epochMs } from './columns';

export interface SceneInfoColumn {
  frameStart: number;
  frameEnd: number;
  width: number;
  height: number;
  samples: number;
  notes: string[];
  missingFiles?: string[];
}

/** A scene file stored once in object storage under its SHA-256, which is also its id. */
@Entity('scenes')
export class SceneEntity {
  @PrimaryColumn('varchar', { length: 64 })
  id: string;

  @Column('varchar', { length: 16 })
  renderer: string;

  @Column('bigint', { transformer: bigNumber })
  size: number;

  @Column('varchar', { length: 255 })
  name: string;

  @Column('varchar', { length: 255 })
  storageKey: string;

  @Column('simple-json')
  info: SceneInfoColumn;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;
}

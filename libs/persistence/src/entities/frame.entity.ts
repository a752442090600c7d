import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { FrameState } from '@tessera/domain';
import { epochMs } from './columns';

@Entity('frames')
@Index(['jobId', 'frame'], { unique: true })
export class FrameEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  @Column('varchar', { length: 36 })
  jobId: string;

  @Column('int')
  frame: number;

  @Column('varchar', { length: 16 })
  state: FrameState;

  @Column('int')
  tilesTotal: number;

  @Column('int')
  tilesAccepted: number;

  @Column('varchar', { length: 255, nullable: true })
  outputKey: string | null;

  @Column('varchar', { length: 255, nullable: true })
  thumbnailKey: string | null;

  /** When a coordinator began stitching: a stitch that stalls past a timeout is taken over. */
  @Column('bigint', { transformer: epochMs, nullable: true })
  stitchStartedAt: number | null;

  @Column('bigint', { transformer: epochMs, nullable: true })
  stitchedAt: number | null;
}

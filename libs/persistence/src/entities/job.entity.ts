import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JobState } from '@tessera/domain';
import { epochMs } from './columns';

@Entity('jobs')
export class JobEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  @Column('varchar', { length: 64 })
  sceneId: string;

  @Column('varchar', { length: 16 })
  renderer: string;

  /** The frame numbers, sorted and unique, as planned. */
  @Column('simple-json')
  frames: number[];

  @Column('int')
  width: number;

  @Column('int')
  height: number;

  @Column('int')
  samples: number;

  @Column('bigint', { transformer: epochMs })
  seed: number;

  @Column('int')
  tileCols: number;

  @Column('int')
  tileRows: number;

  @Column('int')
  bitDepth: number;

  @Column('int')
  priority: number;

  @Column('int')
  maxAttempts: number;

  @Index()
  @Column('varchar', { length: 16 })
  state: JobState;

  /** Idempotency-Key of the request that created the job; a repeat with the same key returns this job. */
  @Index({ unique: true })
  @Column('varchar', { length: 255, nullable: true })
  idempotencyKey: string | null;

  /** Hash of the request body, to refuse the same key reused for a different request. */
  @Column('varchar', { length: 64, nullable: true })
  requestHash: string | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;

  @Column('bigint', { transformer: epochMs, nullable: true })
  startedAt: number | null;

  @Column('bigint', { transformer: epochMs, nullable: true })
  finishedAt: number | null;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AttemptState } from '@tessera/domain';
import { epochMs } from './columns';

/** One lease of a tile to a worker and what came of it. Its id is the lease id the worker holds. */
@Entity('attempts')
@Index(['tileId'])
@Index(['workerId', 'state'])
export class AttemptEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  @Column('varchar', { length: 36 })
  tileId: string;

  @Column('varchar', { length: 36 })
  jobId: string;

  @Column('varchar', { length: 64 })
  workerId: string;

  @Column('int')
  number: number;

  @Column('varchar', { length: 16 })
  state: AttemptState;

  @Column('varchar', { length: 255 })
  outputKey: string;

  @Column('bigint', { transformer: epochMs })
  grantedAt: number;

  @Column('bigint', { transformer: epochMs })
  expiresAt: number;

  @Column('bigint', { transformer: epochMs, nullable: true })
  finishedAt: number | null;

  @Column('varchar', { length: 64, nullable: true })
  pixelSha256: string | null;

  @Column('double precision', { nullable: true })
  renderSeconds: number | null;

  @Column('varchar', { length: 200, nullable: true })
  device: string | null;

  @Column('varchar', { length: 128, nullable: true })
  rendererVersion: string | null;

  /** Why the attempt did not succeed, or why its result was not accepted. */
  @Column('text', { nullable: true })
  error: string | null;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JobState } from '@tessera/domain';
import { epochMs } from './columns';
import { microcredits } from './ledger-entry.entity';

@Entity('jobs')
@Index('UQ_jobs_account_idempotency', ['accountId', 'idempotencyKey'], { unique: true })
@Index('IDX_jobs_account_created', ['accountId', 'createdAt'])
export class JobEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  /**
   * The account that submitted the job, pays for it, and alone may see it (with admins). Null only for jobs
   * recorded before accounts existed, which only admins see.
   */
  @Column('varchar', { length: 64, nullable: true })
  accountId: string | null;

  @Column('varchar', { length: 64 })
  sceneId: string;

  @Column('varchar', { length: 16 })
  renderer: string;

  /** The renderer versions the job accepts, as a semver range (`>=3.4`); null: any. */
  @Column('varchar', { length: 64, nullable: true })
  rendererVersion: string | null;

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

  /** Idempotency-Key of the request that created the job; a repeat with the same key (same account) returns this job. */
  @Column('varchar', { length: 255, nullable: true })
  idempotencyKey: string | null;

  /** Micro-credits per million samples, fixed at submission: what the escrow holds and the tiles are paid. */
  @Column('bigint', { transformer: microcredits })
  ratePerMegasample: number;

  /** The platform's share of each payment, in basis points, fixed at submission. */
  @Column('int')
  feeBasisPoints: number;

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

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/**
 * A worker's record per renderer build and device (the ReputationKey of @tessera/domain check-policy): the
 * streak of valid results sets how often its next result is checked.
 */
@Entity('worker_reputations')
export class WorkerReputationEntity {
  @PrimaryColumn('varchar', { length: 64 })
  workerId: string;

  @PrimaryColumn('varchar', { length: 128 })
  rendererVersion: string;

  @PrimaryColumn('varchar', { length: 200 })
  deviceClass: string;

  @Column('int')
  consecutiveValid: number;

  @Column('int')
  validResults: number;

  @Column('int')
  invalidResults: number;

  /** Checks of this worker's results run, and how many it failed: for GET /v1/workers. */
  @Column('int')
  checksRun: number;

  @Column('bigint', { transformer: epochMs })
  updatedAt: number;
}

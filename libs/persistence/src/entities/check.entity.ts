import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

export const CHECK_STATES = ['open', 'passed', 'failed', 'checker-failed', 'inconclusive', 'abandoned'] as const;
export type CheckState = (typeof CHECK_STATES)[number];
export type CheckStage = 'check' | 'arbitration';

/**
 * A spot-check of one accepted tile (docs/verification.md): some regions of it re-rendered by a worker of
 * another operator (stage `check`), and on a mismatch the disagreeing regions rendered a third time by yet
 * another (stage `arbitration`). The regions are tiles of purpose `check` (or `arbitration`) pointing here,
 * dispatched like any tile. Resolved states: `passed` (the original holds), `failed` (the original lost:
 * its worker was penalised), `checker-failed` (the check lost the arbitration), `inconclusive` (no render
 * could be trusted: the tile is rendered again, nobody penalised), `abandoned` (moot: the tile was rejected
 * for another reason, or the job ended).
 */
@Entity('checks')
@Index('IDX_checks_job_state', ['jobId', 'state'])
@Index('IDX_checks_frame_state', ['frameId', 'state'])
export class CheckEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  @Column('varchar', { length: 36 })
  jobId: string;

  /** The tile whose accepted output is checked. */
  @Column('varchar', { length: 36 })
  tileId: string;

  @Column('varchar', { length: 36 })
  frameId: string;

  /** The accepted attempt under check, and its worker. */
  @Column('varchar', { length: 36 })
  subjectLeaseId: string;

  @Column('varchar', { length: 64 })
  subjectWorkerId: string;

  @Column('varchar', { length: 16 })
  kind: 'patches' | 'whole-tile';

  @Column('varchar', { length: 16 })
  stage: CheckStage;

  @Column('varchar', { length: 16 })
  state: CheckState;

  @Column('varchar', { length: 64, nullable: true })
  checkerWorkerId: string | null;

  @Column('varchar', { length: 64, nullable: true })
  arbiterWorkerId: string | null;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;

  @Column('bigint', { transformer: epochMs, nullable: true })
  resolvedAt: number | null;

  @Column('text', { nullable: true })
  note: string | null;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** Why a result was refused before it could touch a tile (docs/protocol.md, "What the coordinator does"). */
export type ResultRejectionReason =
  | 'unsigned'
  | 'bad-signature'
  | 'unknown-key'
  | 'foreign-lease'
  | 'attempt-mismatch'
  | 'duplicate'
  | 'replayed'
  | 'late';

/** A result the coordinator refused: kept for the record (and for an admin reviewing a worker), never acted on. */
@Entity('rejected_results')
@Index('IDX_rejected_results_worker', ['workerId', 'receivedAt'])
@Index('IDX_rejected_results_lease', ['leaseId'])
export class RejectedResultEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  /** The worker whose subject the result came on. */
  @Column('varchar', { length: 64 })
  workerId: string;

  @Column('varchar', { length: 36, nullable: true })
  leaseId: string | null;

  @Column('varchar', { length: 255 })
  subject: string;

  @Column('varchar', { length: 32 })
  reason: ResultRejectionReason;

  @Column('text')
  detail: string;

  @Column('bigint', { transformer: epochMs })
  receivedAt: number;
}

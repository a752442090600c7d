import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TransactionKind } from '@tessera/domain';
import { epochMs } from './columns';

/**
 * One movement of credits: the header of a set of ledger entries that sum to zero. Append-only (the
 * migration installs triggers that refuse UPDATE and DELETE): a mistake is corrected by a new transaction.
 *
 * The unique indexes are the ledger's own guard against paying twice, whatever the caller does:
 * an attempt is paid at most once (tile or check), a payment is forfeited at most once, and a job is
 * refunded (settled) at most once.
 */
@Entity('ledger_transactions')
@Index('IDX_ledger_tx_job_kind', ['jobId', 'kind'])
@Index('IDX_ledger_tx_job_operator', ['jobId', 'operatorId'])
@Index('IDX_ledger_tx_tile', ['tileId'])
@Index('UQ_ledger_tx_paid_attempt', ['attemptId'], { unique: true, where: "kind IN ('tile_payment', 'verification_payment')" })
@Index('UQ_ledger_tx_reverses', ['reversesId'], { unique: true })
@Index('UQ_ledger_tx_refund', ['jobId'], { unique: true, where: "kind = 'refund'" })
export class LedgerTransactionEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  @Column('varchar', { length: 24 })
  kind: TransactionKind;

  @Column('varchar', { length: 36, nullable: true })
  jobId: string | null;

  @Column('varchar', { length: 36, nullable: true })
  tileId: string | null;

  /** The lease (attempt) a payment is for: joins to the worker, for an operator's earnings per worker. */
  @Column('varchar', { length: 36, nullable: true })
  attemptId: string | null;

  /** The operator a payment pays, or a forfeit takes back from (a zero-priced payment has no entry to say it). */
  @Column('varchar', { length: 64, nullable: true })
  operatorId: string | null;

  /** The payment a forfeit reverses. */
  @Column('varchar', { length: 36, nullable: true })
  reversesId: string | null;

  @Column('text')
  memo: string;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;
}

import { Column, Entity, Index, PrimaryColumn, ValueTransformer } from 'typeorm';
import { readMicrocredits, type Pocket } from '@tessera/domain';
import { epochMs } from './columns';

/**
 * Micro-credits in a BIGINT column, read back as an exact number: PostgreSQL returns BIGINT as a string,
 * and a value that is not a safe integer is refused rather than rounded (see `readMicrocredits`).
 */
export const microcredits: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : readMicrocredits(value)),
};

/**
 * One side of a transaction: a signed amount added to one pocket of one account (`available`, or the
 * `escrow`, `allowance` or `pending` pocket of a job). Append-only, like its transaction.
 *
 * The id is a sequence (BIGSERIAL on PostgreSQL, INTEGER AUTOINCREMENT on SQLite): it orders an account's
 * statement newest first and is the cursor of its pages.
 */
@Entity('ledger_entries')
@Index('IDX_ledger_entries_account', ['accountId', 'pocket'])
@Index('IDX_ledger_entries_job', ['jobId', 'pocket'])
@Index('IDX_ledger_entries_tx', ['transactionId'])
export class LedgerEntryEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'increment', transformer: epochMs })
  id: number;

  @Column('varchar', { length: 36 })
  transactionId: string;

  @Column('varchar', { length: 64 })
  accountId: string;

  @Column('varchar', { length: 16 })
  pocket: Pocket;

  /** The job of an escrow, allowance or pending pocket; null for `available` (a CHECK holds them to it). */
  @Column('varchar', { length: 36, nullable: true })
  jobId: string | null;

  @Column('bigint', { transformer: microcredits })
  amount: number;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';
import { microcredits } from './ledger-entry.entity';

/**
 * The record of a job's escrow, written once with the escrow transaction at submission and never changed
 * (append-only). It names the artist who pays for the job, so payments and the settlement need only the job
 * id, and its row is the job's **ledger lock**: on PostgreSQL every posting that takes from the job's pockets
 * (a payment, a forfeit, the settlement) first locks it `FOR UPDATE`, so the checks of that posting (is this
 * tile paid already? is the job settled? is there enough left?) see every earlier posting of the job.
 */
@Entity('ledger_escrows')
export class LedgerEscrowEntity {
  @PrimaryColumn('varchar', { length: 36 })
  jobId: string;

  @Column('varchar', { length: 64 })
  artistId: string;

  /** The escrow transaction. */
  @Column('varchar', { length: 36 })
  transactionId: string;

  /** The exact sum of the job's tile prices. */
  @Column('bigint', { transformer: microcredits })
  tilesPrice: number;

  /** Held on top for spot-check renders. */
  @Column('bigint', { transformer: microcredits })
  allowance: number;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AccountRole } from '@tessera/domain';
import { epochMs } from './columns';

/**
 * Someone who holds credits: an artist or a studio (submits jobs and pays), an operator (owns workers and
 * earns), an admin, or one of the platform's own system accounts (`system:mint`, `system:fees`, created by
 * the ledger migration). The balance is not stored here: it is the sum of the account's ledger entries.
 */
@Entity('accounts')
export class AccountEntity {
  @PrimaryColumn('varchar', { length: 64 })
  id: string;

  @Column('varchar', { length: 255 })
  name: string;

  @Column('varchar', { length: 16 })
  role: AccountRole;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;
}

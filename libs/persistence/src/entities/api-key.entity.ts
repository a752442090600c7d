import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Scope } from '@tessera/domain';
import { epochMs } from './columns';

/**
 * An API key of an account. The key itself is shown once, when it is created; the row keeps only the
 * SHA-256 of its secret (see @tessera/domain api-keys). Revoking sets `revokedAt`: the row stays, so the
 * ledger and the logs can still name the key that did something.
 */
@Entity('api_keys')
@Index('IDX_api_keys_account', ['accountId'])
export class ApiKeyEntity {
  /** The public part of the key (`tsk_<id>_...`). */
  @PrimaryColumn('varchar', { length: 12 })
  id: string;

  @Column('varchar', { length: 64 })
  accountId: string;

  @Column('varchar', { length: 128 })
  name: string;

  @Column('simple-json')
  scopes: Scope[];

  @Column('varchar', { length: 64 })
  secretHash: string;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;

  @Column('bigint', { transformer: epochMs, nullable: true })
  revokedAt: number | null;
}

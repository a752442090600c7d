import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/**
 * A worker's public key (a NATS NKey, `U...`) registered by the operator who owns the machine. A worker whose
 * key is registered and not revoked is paid into its operator's account; an admin can revoke a key (a caught
 * cheater, a stolen machine) and the worker is paid nothing more.
 */
@Entity('worker_identities')
@Index('IDX_worker_identities_operator', ['operatorId'])
export class WorkerIdentityEntity {
  @PrimaryColumn('varchar', { length: 56 })
  publicKey: string;

  @Column('varchar', { length: 64 })
  operatorId: string;

  /** The worker id the key is allowed to speak for on the farm's NATS (the subject token; one key per id). */
  @Column('varchar', { length: 64 })
  workerId: string;

  @Column('varchar', { length: 128 })
  name: string;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;

  @Column('bigint', { transformer: epochMs, nullable: true })
  revokedAt: number | null;

  @Column('text', { nullable: true })
  revokedReason: string | null;
}

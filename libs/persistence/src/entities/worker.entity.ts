import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Capabilities } from '@tessera/contracts';
import { epochMs } from './columns';

@Entity('workers')
export class WorkerEntity {
  @PrimaryColumn('varchar', { length: 64 })
  id: string;

  @Column('varchar', { length: 128 })
  name: string;

  @Column('simple-json')
  capabilities: Capabilities;

  /**
   * The operator paid for this worker's tiles: the owner of its registered identity, set when the worker
   * registers. Null for a worker whose key no operator registered: its tiles are rendered and accepted but
   * paid to no one, so its artist is not charged for them.
   */
  @Column('varchar', { length: 64, nullable: true })
  operatorId: string | null;

  /** Set when the worker was caught cheating: for an admin to look at (and revoke its identity). */
  @Column('bigint', { transformer: epochMs, nullable: true })
  flaggedAt: number | null;

  @Column('text', { nullable: true })
  flagReason: string | null;

  /**
   * The NKey (`U...`) the worker registered with; its results must carry signatures by this key. Optional in
   * the type because registration records it separately (SignedResultRepository), after the row exists.
   */
  @Column('varchar', { length: 56, nullable: true })
  publicKey?: string | null;

  @Column('bigint', { transformer: epochMs })
  registeredAt: number;

  @Column('bigint', { transformer: epochMs })
  lastSeenAt: number;
}

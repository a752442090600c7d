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

  @Column('bigint', { transformer: epochMs })
  registeredAt: number;

  @Column('bigint', { transformer: epochMs })
  lastSeenAt: number;
}

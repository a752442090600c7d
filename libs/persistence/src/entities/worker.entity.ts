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

  @Column('bigint', { transformer: epochMs })
  registeredAt: number;

  @Column('bigint', { transformer: epochMs })
  lastSeenAt: number;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** A worker that failed too many tiles of a job gets no more tiles of it. */
@Entity('job_blocklist')
export class JobBlocklistEntity {
  @PrimaryColumn('varchar', { length: 36 })
  jobId: string;

  @PrimaryColumn('varchar', { length: 64 })
  workerId: string;

  @Column('text')
  reason: string;

  @Column('bigint', { transformer: epochMs })
  createdAt: number;
}

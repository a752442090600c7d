import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/**
 * Who must not render a tile: a check region is never leased to the worker it checks, nor to another worker
 * of the same operator (one operator's machines could agree on a lie); an arbitration region to neither side.
 */
@Entity('tile_exclusions')
export class TileExclusionEntity {
  @PrimaryColumn('varchar', { length: 36 })
  tileId: string;

  /** `worker:<id>` or `operator:<id>`. */
  @PrimaryColumn('varchar', { length: 80 })
  excluded: string;

  @Column('varchar', { length: 36 })
  jobId: string;

  /**
   * Until when the exclusion holds; null for ever. A worker never checks itself; an operator's other workers
   * only when no worker of another operator took the region for a while (a farm of one operator still checks).
   */
  @Column('bigint', { transformer: epochMs, nullable: true })
  until: number | null;
}

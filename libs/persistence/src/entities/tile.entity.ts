import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TileState } from '@tessera/domain';
import { epochMs } from './columns';

export type TilePurpose = 'render' | 'check' | 'arbitration';

@Entity('tiles')
@Index(['state', 'jobId'])
@Index(['frameId'])
@Index('IDX_tiles_check', ['checkId'])
@Index('IDX_tiles_grant_order', ['jobId', 'state', 'purpose', 'frame', 'index'])
@Index('IDX_tiles_state_purpose', ['state', 'purpose'])
export class TileEntity {
  @PrimaryColumn('varchar', { length: 36 })
  id: string;

  /**
   * `render`: a part of the frame. `check` / `arbitration`: a region re-rendered to verify another tile's
   * accepted output (CheckEntity); leased like any tile, so its worker cannot tell it from ordinary work,
   * but never stitched and not counted in the frame's tiles.
   */
  @Column('varchar', { length: 12, default: 'render' })
  purpose: TilePurpose;

  /** The check a check or arbitration region belongs to. */
  @Column('varchar', { length: 36, nullable: true })
  checkId: string | null;

  /**
   * A check region is rendered only by a worker with the renderer build that rendered the tile under check:
   * two honest builds may differ in the last bits, and an exact comparison must never blame either for it.
   */
  @Column('varchar', { length: 128, nullable: true })
  requiredVersion: string | null;

  /** When a passed check verified this tile's accepted output: a cheater's verified tiles are kept. */
  @Column('bigint', { transformer: epochMs, nullable: true })
  verifiedAt: number | null;

  @Column('varchar', { length: 36 })
  jobId: string;

  @Column('varchar', { length: 36 })
  frameId: string;

  @Column('int')
  frame: number;

  /** Row-major position in the frame's tiling. */
  @Column('int')
  index: number;

  @Column('int')
  x: number;

  @Column('int')
  y: number;

  @Column('int')
  width: number;

  @Column('int')
  height: number;

  @Column('varchar', { length: 16 })
  state: TileState;

  /** Leases granted so far; the next lease is attempt number `attempts + 1`. */
  @Column('int')
  attempts: number;

  @Column('int')
  failures: number;

  @Column('varchar', { length: 36, nullable: true })
  leaseId: string | null;

  @Index()
  @Column('bigint', { transformer: epochMs, nullable: true })
  leaseExpiresAt: number | null;

  /** The accepted output, once there is one. */
  @Column('varchar', { length: 255, nullable: true })
  outputKey: string | null;

  @Column('varchar', { length: 64, nullable: true })
  pixelSha256: string | null;

  @Column('text', { nullable: true })
  error: string | null;

  /** The worker whose render of this tile failed last: the retry goes to another worker where possible. */
  @Column('varchar', { length: 64, nullable: true })
  lastFailedWorkerId: string | null;

  @Column('bigint', { transformer: epochMs, nullable: true })
  lastFailedAt: number | null;

  /**
   * A straggler (a lease running far longer than its siblings near the end of a job) gets a second, backup
   * lease on another worker; the first valid result wins and the other lease is aborted.
   */
  @Column('varchar', { length: 36, nullable: true })
  backupLeaseId: string | null;

  @Column('bigint', { transformer: epochMs, nullable: true })
  backupRequestedAt: number | null;
}

import { AttemptEntity } from './attempt.entity';
import { FrameEntity } from './frame.entity';
import { JobBlocklistEntity } from './job-blocklist.entity';
import { JobEntity } from './job.entity';
import { SceneEntity } from './scene.entity';
import { TileEntity } from './tile.entity';
import { WorkerEntity } from './worker.entity';

export { AttemptEntity, FrameEntity, JobBlocklistEntity, JobEntity, SceneEntity, TileEntity, WorkerEntity };
export type { SceneInfoColumn } from './scene.entity';
export const ENTITIES = [SceneEntity, JobEntity, FrameEntity, TileEntity, AttemptEntity, WorkerEntity, JobBlocklistEntity];

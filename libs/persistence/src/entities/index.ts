import { AccountEntity } from './account.entity';
import { AttemptEntity } from './attempt.entity';
import { FrameEntity } from './frame.entity';
import { JobBlocklistEntity } from './job-blocklist.entity';
import { JobEntity } from './job.entity';
import { LedgerEntryEntity, microcredits } from './ledger-entry.entity';
import { LedgerEscrowEntity } from './ledger-escrow.entity';
import { LedgerTransactionEntity } from './ledger-transaction.entity';
import { SceneEntity } from './scene.entity';
import { TileEntity } from './tile.entity';
import { WorkerEntity } from './worker.entity';

export { AttemptEntity, FrameEntity, JobBlocklistEntity, JobEntity, SceneEntity, TileEntity, WorkerEntity };
export { AccountEntity, LedgerEntryEntity, LedgerEscrowEntity, LedgerTransactionEntity, microcredits };
export type { SceneInfoColumn } from './scene.entity';
export const ENTITIES = [SceneEntity, JobEntity, FrameEntity, TileEntity, AttemptEntity, WorkerEntity, JobBlocklistEntity,
  AccountEntity, LedgerTransactionEntity, LedgerEntryEntity, LedgerEscrowEntity];

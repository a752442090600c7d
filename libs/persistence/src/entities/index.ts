import { AccountEntity } from './account.entity';
import { ApiKeyEntity } from './api-key.entity';
import { AttemptEntity } from './attempt.entity';
import { CheckEntity } from './check.entity';
import { FrameEntity } from './frame.entity';
import { RejectedResultEntity } from './rejected-result.entity';
import { JobBlocklistEntity } from './job-blocklist.entity';
import { JobEntity } from './job.entity';
import { LedgerEntryEntity, microcredits } from './ledger-entry.entity';
import { LedgerEscrowEntity } from './ledger-escrow.entity';
import { LedgerTransactionEntity } from './ledger-transaction.entity';
import { SceneEntity } from './scene.entity';
import { SceneOwnerEntity } from './scene-owner.entity';
import { TileEntity } from './tile.entity';
import { TileExclusionEntity } from './tile-exclusion.entity';
import { WorkerEntity } from './worker.entity';
import { WorkerIdentityEntity } from './worker-identity.entity';
import { WorkerReputationEntity } from './worker-reputation.entity';

export { AttemptEntity, FrameEntity, JobBlocklistEntity, JobEntity, SceneEntity, TileEntity, WorkerEntity };
export { AccountEntity, LedgerEntryEntity, LedgerEscrowEntity, LedgerTransactionEntity, microcredits };
export { ApiKeyEntity, SceneOwnerEntity, WorkerIdentityEntity };
export { CheckEntity, TileExclusionEntity, WorkerReputationEntity };
export { CHECK_STATES, type CheckStage, type CheckState } from './check.entity';
export type { TilePurpose } from './tile.entity';
export type { SceneInfoColumn } from './scene.entity';
export { RejectedResultEntity, type ResultRejectionReason } from './rejected-result.entity';
export const ENTITIES = [SceneEntity, JobEntity, FrameEntity, TileEntity, AttemptEntity, WorkerEntity, JobBlocklistEntity,
  AccountEntity, LedgerTransactionEntity, LedgerEntryEntity, LedgerEscrowEntity, ApiKeyEntity, SceneOwnerEntity, WorkerIdentityEntity,
  CheckEntity, TileExclusionEntity, WorkerReputationEntity, RejectedResultEntity];

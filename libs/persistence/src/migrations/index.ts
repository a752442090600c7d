import { InitialSchema1764158400000 } from './1764158400000-initial-schema';
import { SignedResults1764201600000 } from './1764201600000-signed-results';
import { BlocklistAndRetries1764165600000 } from './1764165600000-blocklist-and-retries';
import { BackupLeases1764172800000 } from './1764172800000-backup-leases';
import { Ledger1764180000000 } from './1764180000000-ledger';
import { AccountsAndKeys1764187200000 } from './1764187200000-accounts-and-keys';
import { SpotChecks1764194400000 } from './1764194400000-spot-checks';
import { RendererVersionRange1764208800000 } from './1764208800000-renderer-version-range';
import { GrantOrderIndexes1764216000000 } from './1764216000000-grant-order-indexes';

/** Every migration in order. A schema change is a new file here, never an edit of a landed one. */
export const MIGRATIONS = [InitialSchema1764158400000, BlocklistAndRetries1764165600000, BackupLeases1764172800000, Ledger1764180000000,
  AccountsAndKeys1764187200000, SpotChecks1764194400000, SignedResults1764201600000,
  RendererVersionRange1764208800000, GrantOrderIndexes1764216000000];

import { DynamicModule, Global, Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { Database, type DatabaseConfig } from './database';
import { AccountRepository } from './repositories/account.repository';
import { CheckRepository } from './repositories/check.repository';
import { FrameRepository } from './repositories/frame.repository';
import { JobRepository } from './repositories/job.repository';
import { LeaseRepository } from './repositories/lease.repository';
import { LedgerRepository } from './repositories/ledger.repository';
import { SceneRepository } from './repositories/scene.repository';
import { SignedResultRepository } from './repositories/signed-result.repository';
import { TileOutcomeRepository } from './repositories/tile-outcome.repository';
import { WorkerRepository } from './repositories/worker.repository';

/** Repositories that need only the database. */
const REPOSITORIES = [SceneRepository, LeaseRepository, WorkerRepository, LedgerRepository, SignedResultRepository];
/** Repositories that also post to the ledger, in the transaction of the state change that moves credits. */
const LEDGER_REPOSITORIES = [JobRepository, TileOutcomeRepository, FrameRepository, AccountRepository, CheckRepository];

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly db: Database) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/** The database and its repositories, opened (and migrated) once per process. */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(config: DatabaseConfig): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: Database, useFactory: () => Database.open(config) },
        DatabaseLifecycle,
        ...REPOSITORIES.map((repository) => ({
          provide: repository,
          useFactory: (db: Database) => new repository(db),
          inject: [Database],
        })),
        ...LEDGER_REPOSITORIES.map((repository) => ({
          provide: repository,
          useFactory: (db: Database, ledger: LedgerRepository) => new repository(db, ledger),
          inject: [Database, LedgerRepository],
        })),
      ],
      exports: [Database, ...REPOSITORIES, ...LEDGER_REPOSITORIES],
    };
  }
}

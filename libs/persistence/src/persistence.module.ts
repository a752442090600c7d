import { DynamicModule, Global, Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { Database, type DatabaseConfig } from './database';
import { FrameRepository } from './repositories/frame.repository';
import { JobRepository } from './repositories/job.repository';
import { LeaseRepository } from './repositories/lease.repository';
import { SceneRepository } from './repositories/scene.repository';
import { TileOutcomeRepository } from './repositories/tile-outcome.repository';
import { WorkerRepository } from './repositories/worker.repository';

const REPOSITORIES = [SceneRepository, JobRepository, LeaseRepository, TileOutcomeRepository, FrameRepository, WorkerRepository];

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
      ],
      exports: [Database, ...REPOSITORIES],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/contracts';
import { Clock, SystemClock } from '@tessera/domain';
import { MessagingModule } from '@tessera/messaging';
import { databaseConfigFrom, PersistenceModule } from '@tessera/persistence';
import { StorageModule } from '@tessera/storage';
import { join } from 'node:path';

/** Injection token of the validated TesseraConfig. */
export const TESSERA_CONFIG = Symbol('TESSERA_CONFIG');

/**
 * Database, object storage, NATS, configuration and clock: what the api and the coordinator stand on.
 * Imported once per process, so `tessera up` (api and coordinator together) shares one database handle.
 */
@Module({})
export class InfrastructureModule {
  static forRoot(config: TesseraConfig, processName: string): DynamicModule {
    return {
      module: InfrastructureModule,
      global: true,
      imports: [
        PersistenceModule.forRoot(databaseConfigFrom(config.databaseUrl, join(config.home, 'tessera.sqlite'))),
        StorageModule.forRoot(config.s3),
        MessagingModule.forRoot({ url: config.natsUrl, name: processName, seedFile: config.natsSeedFile }),
      ],
      providers: [
        { provide: TESSERA_CONFIG, useValue: config },
        { provide: Clock, useClass: SystemClock },
      ],
      exports: [TESSERA_CONFIG, Clock],
    };
  }
}

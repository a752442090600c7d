import { Global, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ObjectStorage } from './object-storage.repository';
import { S3_CONFIG, parseS3Config, type S3Config } from './s3.config';

export interface StorageModuleOptions {
  /**
   * Create the bucket at start-up if it is missing. Off by default: production credentials often
   * may not create (or even HeadBucket) buckets, and the embedded server creates its own.
   */
  ensureBucket?: boolean;
}

const STORAGE_MODULE_OPTIONS = Symbol('STORAGE_MODULE_OPTIONS');

// Built by a factory (no decorators needed); Nest still runs its onModuleInit.
class BucketCheck implements OnModuleInit {
  constructor(
    private readonly storage: ObjectStorage,
    private readonly options: StorageModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.ensureBucket) await this.storage.ensureBucket();
  }
}

/**
 * Provides ObjectStorage (and the S3Config under S3_CONFIG) to the whole application. Global, like
 * the other infrastructure modules, so that feature modules inject ObjectStorage without importing
 * this module again. ObjectStorage closes its sockets on module destroy.
 */
@Global()
@Module({})
export class StorageModule {
  static forRoot(config: S3Config, options: StorageModuleOptions = {}): DynamicModule {
    // Validated here too, so a wrong value stops start-up before any module is instantiated.
    const valid = parseS3Config(config);
    return {
      module: StorageModule,
      providers: [
        { provide: S3_CONFIG, useValue: valid },
        { provide: STORAGE_MODULE_OPTIONS, useValue: options },
        ObjectStorage,
        {
          provide: BucketCheck,
          useFactory: (storage: ObjectStorage, opts: StorageModuleOptions) => new BucketCheck(storage, opts),
          inject: [ObjectStorage, STORAGE_MODULE_OPTIONS],
        },
      ],
      exports: [ObjectStorage, S3_CONFIG],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@tessera/messaging';
import { RendererRegistry } from '@tessera/renderers';
import { join } from 'node:path';
import { SceneCache } from './scene-cache';
import { WorkerAgent } from './worker.agent';
import { WORKER_OPTIONS, type WorkerOptions } from './worker.options';

/** A worker holds a NATS connection and nothing else: no database, no storage credentials. */
@Module({})
export class WorkerModule {
  static forRoot(options: WorkerOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [MessagingModule.forRoot({ url: options.natsUrl, name: `tessera-worker-${options.workerId}` })],
      providers: [
        { provide: WORKER_OPTIONS, useValue: options },
        { provide: RendererRegistry, useFactory: () => RendererRegistry.forWorker() },
        { provide: SceneCache, useFactory: () => new SceneCache(join(options.cacheDir, 'scenes')) },
        WorkerAgent,
      ],
    };
  }
}

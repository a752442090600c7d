import { DynamicModule, Module } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { subjects } from '@tessera/contracts';
import { MessagingModule } from '@tessera/messaging';
import { RendererRegistry } from '@tessera/renderers';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SceneCache } from './scene-cache';
import { WorkerAgent } from './worker.agent';
import { WORKER_OPTIONS, type WorkerOptions } from './worker.options';

/**
 * The renderers this machine has. Each Blender uses cores / slots threads, so slots render side by side
 * instead of fighting over every core.
 */
function renderersFor(options: WorkerOptions): Promise<RendererRegistry> {
  return RendererRegistry.forWorker({
    workDir: join(options.cacheDir, 'renderers'),
    blender: {
      mode: options.blenderMode,
      device: options.blenderDevice,
      threads: Math.max(1, Math.floor(availableParallelism() / options.slots)),
      maxIdleSessions: options.slots,
      tileTimeoutMs: options.tileTimeoutMs,
    },
    povray: { tileTimeoutMs: options.tileTimeoutMs },
  });
}

const logger = new Logger('Worker');

/** A worker holds a NATS connection and nothing else: no database, no storage credentials. */
@Module({})
export class WorkerModule {
  static forRoot(options: WorkerOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        MessagingModule.forRoot({
          url: options.natsUrl,
          name: `tessera-worker-${options.workerId}`,
          seed: options.identity.seed,
          // Replies (leases, presigned URLs) come under the worker's own prefix, the only one it may read.
          inboxPrefix: subjects.inbox(options.workerId),
          onUnauthorised: (error, attempt) => {
            if (attempt % 20 === 1) {
              logger.warn(`NATS refused worker ${options.workerId} (${error.message}): waiting until its public key ${options.identity.publicKey} is allowed`);
            }
          },
        }),
      ],
      providers: [
        { provide: WORKER_OPTIONS, useValue: options },
        { provide: RendererRegistry, useFactory: () => renderersFor(options) },
        { provide: SceneCache, useFactory: () => new SceneCache(join(options.cacheDir, 'scenes')) },
        WorkerAgent,
      ],
    };
  }
}

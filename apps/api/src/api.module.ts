import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { TesseraConfig } from '@tessera/contracts';
import { RendererRegistry } from '@tessera/renderers';
import { InfrastructureModule } from '@tessera/runtime';
import { AccountService } from './accounts/account.service';
import { AccountsController, KeysController, WorkersController } from './accounts/accounts.controller';
import { AuthGuard } from './auth/auth.guard';
import { RateLimitGuard } from './auth/rate-limit.guard';
import { HealthController } from './health/health.controller';
import { JobEventsStream } from './jobs/job-events.stream';
import { JobService } from './jobs/job.service';
import { JobsController } from './jobs/jobs.controller';
import { SceneService } from './scenes/scene.service';
import { ScenesController } from './scenes/scenes.controller';

const MINUTE_MS = 60_000;

@Module({
  controllers: [ScenesController, JobsController, AccountsController, KeysController, WorkersController, HealthController],
  providers: [
    SceneService,
    JobService,
    JobEventsStream,
    AccountService,
    { provide: RendererRegistry, useFactory: () => RendererRegistry.forScenes() },
    // Guards run in this order: who is calling, then whether that key is over its rate.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class ApiModule {
  static forRoot(config: TesseraConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        InfrastructureModule.forRoot(config, 'tessera-api'),
        ThrottlerModule.forRoot({ throttlers: [{ ttl: MINUTE_MS, limit: config.api.rateLimitPerMinute }] }),
      ],
    };
  }
}

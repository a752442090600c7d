import { DynamicModule, Module } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/contracts';
import { RendererRegistry } from '@tessera/renderers';
import { InfrastructureModule } from '@tessera/runtime';
import { HealthController } from './health/health.controller';
import { JobService } from './jobs/job.service';
import { JobsController } from './jobs/jobs.controller';
import { SceneService } from './scenes/scene.service';
import { ScenesController } from './scenes/scenes.controller';

@Module({
  controllers: [ScenesController, JobsController, HealthController],
  providers: [SceneService, JobService, { provide: RendererRegistry, useFactory: () => RendererRegistry.forScenes() }],
})
export class ApiModule {
  static forRoot(config: TesseraConfig): DynamicModule {
    return { module: ApiModule, imports: [InfrastructureModule.forRoot(config, 'tessera-api')] };
  }
}

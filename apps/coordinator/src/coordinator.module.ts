import { DynamicModule, Module } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/contracts';
import { InfrastructureModule } from '@tessera/runtime';
import { JobEventsPublisher } from './job-events.publisher';
import { ResultController } from './result.controller';
import { ResultService } from './result.service';
import { SchedulerService } from './scheduler.service';
import { StitchService } from './stitch.service';
import { SweeperService } from './sweeper.service';
import { TileAcceptanceService } from './tile-acceptance.service';
import { WorkController } from './work.controller';

/** The coordinator's own parts: the scheduler, result intake, acceptance checks, stitching and the sweeper. */
@Module({
  controllers: [WorkController, ResultController],
  providers: [SchedulerService, ResultService, TileAcceptanceService, StitchService, SweeperService, JobEventsPublisher],
})
export class CoordinatorModule {
  static forRoot(config: TesseraConfig): DynamicModule {
    return { module: CoordinatorModule, imports: [InfrastructureModule.forRoot(config, 'tessera-coordinator')] };
  }
}

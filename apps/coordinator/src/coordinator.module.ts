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
import { WorkerIdentityService } from './worker-identity.service';
import { CryptoRandom } from './crypto-random';
import { VerificationService } from './verification.service';
import { RandomSource } from '@tessera/domain';

/** The coordinator's own parts: the scheduler, result intake, acceptance checks, stitching and the sweeper. */
@Module({
  controllers: [WorkController, ResultController],
  providers: [
    SchedulerService, ResultService, TileAcceptanceService, StitchService, SweeperService, JobEventsPublisher, WorkerIdentityService,
    VerificationService, { provide: RandomSource, useClass: CryptoRandom },
  ],
})
export class CoordinatorModule {
  static forRoot(config: TesseraConfig): DynamicModule {
    return { module: CoordinatorModule, imports: [InfrastructureModule.forRoot(config, 'tessera-coordinator')] };
  }
}

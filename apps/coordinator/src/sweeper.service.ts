import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/contracts';
import { Clock } from '@tessera/domain';
import { FrameRepository, LeaseRepository } from '@tessera/persistence';
import { StitchService } from './stitch.service';
import { VerificationService } from './verification.service';
import { TESSERA_CONFIG } from '@tessera/runtime';

/**
 * The periodic safety net: leases whose worker went quiet go back to pending, stragglers near the end of a job
 * get a backup lease, spot-checks no worker could take in time are dropped, and frames whose tiles are all
 * accepted but that were never stitched (a coordinator died mid-stitch, or storage failed) are stitched.
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SweeperService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly leases: LeaseRepository,
    private readonly frames: FrameRepository,
    private readonly stitcher: StitchService,
    private readonly verification: VerificationService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sweep()).catch((error: Error) => this.logger.error(`sweep failed: ${error.message}`));
    }, this.config.scheduling.sweepIntervalMs);
  }

  async sweep(): Promise<void> {
    const now = this.clock.now();
    const requeued = await this.leases.expire(now);
    if (requeued > 0) this.logger.warn(`${requeued} lease(s) expired; their tiles are pending again or with their backup`);
    const { stragglerFactor: factor, stragglerMinMs: minMs } = this.config.scheduling;
    const stragglers = await this.leases.requestBackups(now, { factor, minMs, minSamples: 3 });
    if (stragglers > 0) this.logger.log(`${stragglers} straggling tile(s) will get a backup lease`);
    await this.verification.sweep();
    for (const frame of await this.frames.awaitingStitch(now - this.config.scheduling.stitchStaleMs)) {
      await this.stitcher.stitch(frame.id).catch((error: Error) => this.logger.error(`stitching frame ${frame.id} failed: ${error.message}`));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { TESSERA_CONFIG } from '@tessera/runtime';
import { InvalidMessageError, parseMessage, subjects, tileResultSchema, type TesseraConfig, type TileResult } from '@tessera/contracts';
import { Clock } from '@tessera/domain';
import { TileOutcomeRepository } from '@tessera/persistence';
import { JobEventsPublisher } from './job-events.publisher';
import { StitchService } from './stitch.service';
import { TileAcceptanceService } from './tile-acceptance.service';

export interface ResultMessage {
  subject: string;
  data: unknown;
}

/**
 * Takes results off the RESULTS stream. Every path is idempotent, because JetStream delivers at least once:
 * a result is acted on only while its attempt is still active, and the attempt is closed in the same
 * transaction that accepts or fails the tile.
 */
@Injectable()
export class ResultService {
  private readonly logger = new Logger(ResultService.name);

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly outcomes: TileOutcomeRepository,
    private readonly acceptance: TileAcceptanceService,
    private readonly stitcher: StitchService,
    private readonly events: JobEventsPublisher,
  ) {}

  async handle(message: ResultMessage): Promise<void> {
    let result: TileResult;
    try {
      result = parseMessage(tileResultSchema, message.data, `result on ${message.subject}`);
    } catch (error) {
      // A malformed result can never become valid: drop it (acked) rather than redeliver it for ever.
      if (error instanceof InvalidMessageError) return this.logger.warn(error.message);
      throw error;
    }
    if (message.subject !== subjects.result(result.workerId)) {
      return this.logger.warn(`result for worker ${result.workerId} arrived on ${message.subject}: dropped`);
    }
    const context = await this.outcomes.context(result.leaseId);
    if (!context || context.attempt.workerId !== result.workerId || context.attempt.tileId !== result.tileId) {
      return this.logger.warn(`result of worker ${result.workerId} names lease ${result.leaseId}, which it does not hold: dropped`);
    }
    if (context.attempt.state !== 'active') {
      const committed = result.status === 'rendered' ? result.pixelSha256 : null;
      await this.outcomes.recordLate(result.leaseId, committed, `late result: lease was already ${context.attempt.state}`);
      return;
    }
    if (result.status === 'failed') return this.fail(result.leaseId, context.job.id, result.workerId, result.error);

    const verdict = await this.acceptance.check(result, context);
    if (!verdict.ok) return this.fail(result.leaseId, context.job.id, result.workerId, `rejected: ${verdict.reason}`);
    const outcome = await this.outcomes.accept(
      result.leaseId,
      {
        pixelSha256: result.pixelSha256,
        renderSeconds: result.renderSeconds,
        device: result.device,
        rendererVersion: result.rendererVersion,
      },
      this.clock.now(),
    );
    if (!outcome.accepted) return this.logger.warn(`result of lease ${result.leaseId} not accepted: ${outcome.reason}`);
    this.events.publish({ type: 'tile.accepted', jobId: context.job.id, tileId: context.tile.id, frame: context.tile.frame });
    if (outcome.frameComplete) this.stitcher.stitchInBackground(outcome.frame.id);
  }

  private async fail(leaseId: string, jobId: string, workerId: string, error: string): Promise<void> {
    const outcome = await this.outcomes.fail(leaseId, error, this.clock.now(), this.config.scheduling.blocklistAfterFailures);
    this.logger.warn(`lease ${leaseId} failed (${outcome.retried ? 'tile retried' : 'no retries left'}): ${error}`);
    if (outcome.blocklisted) this.logger.warn(`worker ${workerId} blocklisted for job ${jobId} after repeated failures`);
    if (outcome.jobFailed) this.events.publish({ type: 'job.state', jobId, state: 'failed', error });
  }
}

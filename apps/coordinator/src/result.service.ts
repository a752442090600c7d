import { Inject, Injectable, Logger } from '@nestjs/common';
import { TESSERA_CONFIG } from '@tessera/runtime';
import {
  InvalidMessageError,
  parseMessage,
  subjects,
  tileResultSchema,
  verifyResult,
  type TesseraConfig,
  type TileResult,
} from '@tessera/contracts';
import { Clock } from '@tessera/domain';
import { SignedResultRepository, TileOutcomeRepository, type AttemptContext, type ResultRejectionReason } from '@tessera/persistence';
import { JobEventsPublisher } from './job-events.publisher';
import { StitchService } from './stitch.service';
import { TileAcceptanceService } from './tile-acceptance.service';
import { VerificationService } from './verification.service';

export interface ResultMessage {
  subject: string;
  data: unknown;
}

/**
 * Takes results off the RESULTS stream. Every path is idempotent, because JetStream delivers at least once:
 * a result is acted on only while its attempt is still active, and the attempt is closed in the same
 * transaction that accepts or fails the tile.
 *
 * Before a result touches a tile it must be signed by the key its worker registered with, name a lease of
 * that worker and that tile at the lease's attempt, and be the first result for the lease. A result that is
 * not is refused and recorded (SignedResultRepository), then acked: a refused result never becomes valid,
 * so it is neither retried nor allowed to disturb the lease, which an honest result may still close.
 */
@Injectable()
export class ResultService {
  private readonly logger = new Logger(ResultService.name);

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly outcomes: TileOutcomeRepository,
    private readonly signed: SignedResultRepository,
    private readonly acceptance: TileAcceptanceService,
    private readonly stitcher: StitchService,
    private readonly events: JobEventsPublisher,
    private readonly verification: VerificationService,
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
    const context = await this.authenticate(result, message.subject);
    if (!context) return;
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
      // Decided only now, after the worker committed to its pixel hash in the signed result.
      await this.verification.decider(result.workerId),
    );
    if (!outcome.accepted) return this.logger.warn(`result of lease ${result.leaseId} not accepted: ${outcome.reason}`);
    if (outcome.checkId) return this.verification.regionAccepted(outcome.checkId);
    this.events.publish({ type: 'tile.accepted', jobId: context.job.id, tileId: context.tile.id, frame: context.tile.frame });
    if (outcome.frameComplete) this.stitcher.stitchInBackground(outcome.frame.id);
  }

  /**
   * The lease a result may act on, or null when the result is refused (and recorded): its signature, the
   * lease's owner, tile and attempt, and whether the lease still waits for a result. Signature first, so
   * that nothing about a lease is revealed to, or changed by, a result its worker did not sign.
   */
  private async authenticate(result: TileResult, subject: string): Promise<AttemptContext | null> {
    const refuse = async (reason: ResultRejectionReason, detail: string): Promise<null> => {
      await this.signed.reject({ workerId: result.workerId, leaseId: result.leaseId, subject, reason, detail, receivedAt: this.clock.now() });
      this.logger.warn(`result of worker ${result.workerId} for lease ${result.leaseId} refused (${reason}): ${detail}`);
      return null;
    };
    const publicKey = await this.signed.publicKeyOf(result.workerId);
    if (!publicKey) return refuse('unknown-key', `worker ${result.workerId} has registered no key`);
    const signature = verifyResult(result, publicKey);
    if (!signature.ok) return refuse(signature.reason, signature.detail);

    const context = await this.outcomes.context(result.leaseId);
    if (!context || context.attempt.workerId !== result.workerId || context.attempt.tileId !== result.tileId) {
      return refuse('foreign-lease', `lease ${result.leaseId} of tile ${result.tileId} is not a lease of worker ${result.workerId}`);
    }
    if (context.attempt.number !== result.attempt) {
      return refuse('attempt-mismatch', `lease ${result.leaseId} is attempt ${context.attempt.number}, the result says ${result.attempt}`);
    }
    const { state } = context.attempt;
    if (state === 'active') return context;
    if (state === 'succeeded' || state === 'failed') {
      return sameAsRecorded(result, context.attempt)
        ? refuse('duplicate', `lease ${result.leaseId} already ${state} with this result`)
        : refuse('replayed', `lease ${result.leaseId} already ${state} with another result`);
    }
    // Expired or aborted without a result: kept on the attempt for the record, never accepted.
    const committed = result.status === 'rendered' ? result.pixelSha256 : null;
    await this.outcomes.recordLate(result.leaseId, committed, `late result: lease was already ${state}`);
    return refuse('late', `lease ${result.leaseId} was already ${state}`);
  }

  private async fail(leaseId: string, jobId: string, workerId: string, error: string): Promise<void> {
    const outcome = await this.outcomes.fail(leaseId, error, this.clock.now(), this.config.scheduling.blocklistAfterFailures);
    this.logger.warn(`lease ${leaseId} failed (${outcome.retried ? 'tile retried' : 'no retries left'}): ${error}`);
    if (outcome.blocklisted) this.logger.warn(`worker ${workerId} blocklisted for job ${jobId} after repeated failures`);
    if (outcome.jobFailed) this.events.publish({ type: 'job.state', jobId, state: 'failed', error });
  }
}

/**
 * Whether a result for a lease that already has one is that same result again (a redelivery, a worker
 * publishing twice) rather than a different one. An accepted result is compared by what the attempt kept
 * of it; a rejected rendered result kept only the reason, so any rendered result counts as the same.
 */
function sameAsRecorded(result: TileResult, attempt: AttemptContext['attempt']): boolean {
  if (result.status === 'failed') return attempt.state === 'failed' && attempt.error === result.error;
  if (attempt.state === 'failed') return (attempt.error ?? '').startsWith('rejected:');
  return (
    attempt.pixelSha256 === result.pixelSha256 &&
    attempt.renderSeconds === result.renderSeconds &&
    attempt.device === result.device &&
    attempt.rendererVersion === result.rendererVersion
  );
}

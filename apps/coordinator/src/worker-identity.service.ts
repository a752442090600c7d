import { Injectable, Logger } from '@nestjs/common';
import type { RegisterReply, RegisterRequest } from '@tessera/contracts';
import { SignedResultRepository } from '@tessera/persistence';
import { SchedulerService } from './scheduler.service';

/**
 * Registration, plus the key the worker signs its results with. The key in the request can be trusted as the
 * worker's own: on the embedded (authenticated) NATS only the holder of the key allowed for a worker id may
 * publish on that worker's register subject, and WorkController refuses a payload naming another worker.
 * On an open NATS anyone can register under any id, so the key is only as good as the network
 * (docs/operations.md, "NATS").
 */
@Injectable()
export class WorkerIdentityService {
  private readonly logger = new Logger(WorkerIdentityService.name);

  constructor(
    private readonly scheduler: SchedulerService,
    private readonly signed: SignedResultRepository,
  ) {}

  async register(request: RegisterRequest): Promise<RegisterReply> {
    const reply = await this.scheduler.register(request);
    const previous = await this.signed.recordPublicKey(request.workerId, request.publicKey);
    if (previous !== null && previous !== request.publicKey) {
      this.logger.warn(`worker ${request.workerId} registered with a new key ${request.publicKey} (was ${previous}); results signed by the old key are refused from now on`);
    }
    return reply;
  }
}

import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  heartbeatRequestSchema,
  InvalidMessageError,
  parseMessage,
  registerRequestSchema,
  releaseRequestSchema,
  workerIdOfSubject,
  workerRequestPatterns,
  workRequestSchema,
} from '@tessera/contracts';
import type { NatsMessage } from '@tessera/messaging';
import type { z } from 'zod';
import { SchedulerService } from './scheduler.service';
import { WorkerIdentityService } from './worker-identity.service';

/**
 * A request is valid only from the worker it names: the payload's workerId must be the subject's last
 * token, the token nats-server lets only that worker publish on (docs/protocol.md).
 */
function parseWorkerRequest<T extends z.ZodType<{ workerId: string }>>(schema: T, message: NatsMessage, what: string): z.infer<T> {
  const request = parseMessage(schema, message.data, what);
  const speaker = workerIdOfSubject(message.subject);
  if (request.workerId !== speaker) {
    throw new InvalidMessageError(what, [`workerId: ${request.workerId} is not the worker of subject ${message.subject} (${speaker})`]);
  }
  return request;
}

/** The request/reply subjects workers talk to. Each handler validates its payload and calls one method. */
@Controller()
export class WorkController {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly identities: WorkerIdentityService,
  ) {}

  @MessagePattern(workerRequestPatterns.register)
  register(@Payload() message: NatsMessage) {
    return this.identities.register(parseWorkerRequest(registerRequestSchema, message, 'register request'));
  }

  @MessagePattern(workerRequestPatterns.workRequest)
  requestWork(@Payload() message: NatsMessage) {
    return this.scheduler.requestWork(parseWorkerRequest(workRequestSchema, message, 'work request'));
  }

  @MessagePattern(workerRequestPatterns.heartbeat)
  heartbeat(@Payload() message: NatsMessage) {
    return this.scheduler.heartbeat(parseWorkerRequest(heartbeatRequestSchema, message, 'heartbeat'));
  }

  @MessagePattern(workerRequestPatterns.leaseRelease)
  release(@Payload() message: NatsMessage) {
    return this.scheduler.release(parseWorkerRequest(releaseRequestSchema, message, 'release request'));
  }
}

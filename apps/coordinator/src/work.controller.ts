import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  heartbeatRequestSchema,
  parseMessage,
  registerRequestSchema,
  releaseRequestSchema,
  subjects,
  workRequestSchema,
} from '@tessera/contracts';
import { SchedulerService } from './scheduler.service';

/** The request/reply subjects workers talk to. Each handler validates its payload and calls one method. */
@Controller()
export class WorkController {
  constructor(private readonly scheduler: SchedulerService) {}

  @MessagePattern(subjects.workerRegister)
  register(@Payload() payload: unknown) {
    return this.scheduler.register(parseMessage(registerRequestSchema, payload, 'register request'));
  }

  @MessagePattern(subjects.workRequest)
  requestWork(@Payload() payload: unknown) {
    return this.scheduler.requestWork(parseMessage(workRequestSchema, payload, 'work request'));
  }

  @MessagePattern(subjects.heartbeat)
  heartbeat(@Payload() payload: unknown) {
    return this.scheduler.heartbeat(parseMessage(heartbeatRequestSchema, payload, 'heartbeat'));
  }

  @MessagePattern(subjects.leaseRelease)
  release(@Payload() payload: unknown) {
    return this.scheduler.release(parseMessage(releaseRequestSchema, payload, 'release request'));
  }
}

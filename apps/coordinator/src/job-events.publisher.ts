import { Inject, Injectable, Logger } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { subjects, type JobEvent } from '@tessera/contracts';
import { NATS_CONNECTION, encodeJson, type NatsConnection } from '@tessera/messaging';

/**
 * Publishes job progress to the EVENTS stream for watchers. Progress is also in the database, which is the
 * source of truth, so a failed publish is logged and not retried.
 */
@Injectable()
export class JobEventsPublisher {
  private readonly logger = new Logger(JobEventsPublisher.name);
  private readonly js: JetStreamClient;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  publish(event: JobEvent): void {
    this.js.publish(subjects.jobEvent(event.jobId), encodeJson(event)).catch((error: Error) => {
      this.logger.warn(`event ${event.type} of job ${event.jobId} not published: ${error.message}`);
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { jobEventSchema, subjects, type JobEvent } from '@tessera/contracts';
import { decodeJson, NATS_CONNECTION, type NatsConnection } from '@tessera/messaging';
import type { Response } from 'express';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * A job's progress as server-sent events (`text/event-stream`): first a `job` snapshot (the job as
 * `GET /v1/jobs/:id` shows it), then each event the coordinators publish for it: `tile.accepted`,
 * `frame.stitched`, `check.resolved`, `job.state`, after which (once the job ended) the stream closes.
 * The subscription is made before the snapshot is read, so nothing falls between the two.
 */
@Injectable()
export class JobEventsStream {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async pipe(jobId: string, snapshot: () => Promise<{ state: string }>, response: Response): Promise<void> {
    const subscription = this.nc.subscribe(subjects.jobEvent(jobId));
    try {
      const job = await snapshot();
      response.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      response.flushHeaders();
      const send = (event: string, data: unknown) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('job', job);
      if (TERMINAL.has(job.state)) return;
      const keepalive = setInterval(() => response.write(': keep-alive\n\n'), KEEPALIVE_MS);
      response.on('close', () => subscription.unsubscribe());
      try {
        for await (const message of subscription) {
          const parsed = jobEventSchema.safeParse(decodeJson(message.data, `event of job ${jobId}`));
          if (!parsed.success) continue;
          const event: JobEvent = parsed.data;
          send(event.type, event);
          if (event.type === 'job.state' && TERMINAL.has(event.state)) break;
        }
      } finally {
        clearInterval(keepalive);
      }
    } finally {
      subscription.unsubscribe();
      if (response.headersSent) response.end();
    }
  }
}

import { Logger } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { subjects, type TileResult } from '@tessera/contracts';
import { encodeJson } from '@tessera/messaging';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Results waiting to reach JetStream, published one at a time in the order they were produced. A result that
 * cannot be published now (NATS is reconnecting, the stream has no leader yet) stays at the head and is tried
 * again with backoff; nothing is dropped while the process lives. The tile was rendered and uploaded: losing
 * its result would waste it.
 */
export class ResultOutbox {
  private readonly logger = new Logger(ResultOutbox.name);
  private readonly queue: TileResult[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly workerId: string,
    /** Called with each lease whose result JetStream has stored. */
    private readonly onPublished: (leaseId: string) => void = () => undefined,
  ) {}

  /** Leases whose results wait here: the worker keeps renewing them, so they do not expire meanwhile. */
  leaseIds(): string[] {
    return this.queue.map((result) => result.leaseId);
  }

  enqueue(result: TileResult): void {
    this.queue.push(result);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once everything queued so far is published, or after `timeoutMs`; returns what is left. */
  async flush(timeoutMs: number): Promise<number> {
    if (this.draining) await Promise.race([this.draining, sleep(timeoutMs)]);
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    for (let failures = 0; this.queue.length > 0; ) {
      const head = this.queue[0];
      try {
        await this.js.publish(subjects.result(this.workerId), encodeJson(head));
        this.queue.shift();
        this.onPublished(head.leaseId);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.warn(`result of lease ${head.leaseId} not published (${(error as Error).message}); ${this.queue.length} waiting, retry ${failures}`);
        await sleep(Math.min(5000, 200 * 2 ** Math.min(failures, 5)));
      }
    }
  }
}

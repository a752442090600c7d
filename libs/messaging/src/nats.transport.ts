import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { isObservable, lastValueFrom, throwError, type Observable } from 'rxjs';
import { decodeJson, encodeJson } from './json-codec';

/**
 * What every handler receives: the subject the message came on (a pattern may be a wildcard, and the
 * subject says which worker is speaking) and the decoded, not yet validated, JSON payload.
 */
export interface NatsMessage {
  subject: string;
  data: unknown;
}

/** How a handler's exception becomes a reply; the coordinator maps its named errors in one place. */
export type ErrorMapper = (error: unknown) => { code: string; message: string };

export interface NatsTransportOptions {
  nc: NatsConnection;
  /** Request handlers subscribe in this queue group, so each request is answered by one server. */
  queue: string;
  /** Event handlers read from JetStream: pattern -> stream and durable consumer to pull from. */
  consumers: Record<string, { stream: string; durable: string }>;
  mapError: ErrorMapper;
  /** Delay before a result whose handler threw is delivered again. */
  retryDelayMs?: number;
  /**
   * Messages one subject's handler works on at once (requests of one subject, or events of one consumer).
   * Handlers spend most of their time waiting on the database and object storage, so one at a time
   * would leave the process idle; the default is 1, the order messages arrived in.
   */
  concurrency?: number;
}

/**
 * The Nest transport for Tessera's NATS protocol. `@MessagePattern(subject)` handlers answer core NATS
 * requests in a queue group (a NatsMessage in, JSON out, errors as `{ error: { code, message } }`);
 * `@EventPattern(subject)` handlers are fed from a durable JetStream pull consumer, and a message is acked only
 * once its handler has finished, so nothing is lost when the process dies halfway.
 */
export class NatsTransport extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(NatsTransport.name);
  private readonly subscriptions: Subscription[] = [];
  private readonly consumers: ConsumerMessages[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: NatsTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        if (handler.isEventHandler) await this.consume(pattern, handler);
        else this.serve(pattern, handler);
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private serve(subject: string, handler: MessageHandler): void {
    const sub = this.options.nc.subscribe(subject, { queue: this.options.queue });
    this.subscriptions.push(sub);
    const loop = forEachConcurrently(sub, this.concurrency, async (msg) => {
      if (!msg.reply) return;
      let reply: unknown;
      try {
        reply = await this.invoke(handler, { subject: msg.subject, data: decodeJson(msg.data, `request on ${msg.subject}`) } satisfies NatsMessage);
      } catch (error) {
        reply = { error: this.options.mapError(error) };
      }
      msg.respond(encodeJson(reply));
    });
    this.track(loop);
  }

  private async consume(pattern: string, handler: MessageHandler): Promise<void> {
    const binding = this.options.consumers[pattern];
    if (!binding) throw new Error(`no JetStream consumer configured for event pattern ${pattern}`);
    const consumer = await jetstream(this.options.nc).consumers.get(binding.stream, binding.durable);
    const messages = await consumer.consume({ max_messages: 64 });
    this.consumers.push(messages);
    this.track(forEachConcurrently(messages, this.concurrency, (msg) => this.deliverEvent(pattern, handler, msg)));
  }

  private async deliverEvent(pattern: string, handler: MessageHandler, msg: JsMsg): Promise<void> {
    let data: unknown;
    try {
      data = decodeJson(msg.data, `message on ${msg.subject}`);
    } catch (error) {
      // Bytes that are not JSON never will be: terminate the message instead of redelivering it for ever.
      this.logger.warn(`${(error as Error).message}: dropped`);
      msg.term();
      return;
    }
    try {
      await this.invoke(handler, { subject: msg.subject, data } satisfies NatsMessage);
      msg.ack();
    } catch (error) {
      // Transient trouble (database, storage): leave the message in the stream and try again shortly.
      this.logger.warn(`${pattern}: ${(error as Error).message}; redelivery in ${this.options.retryDelayMs ?? 1000} ms`);
      msg.nak(this.options.retryDelayMs ?? 1000);
    }
  }

  private get concurrency(): number {
    return this.options.concurrency ?? 1;
  }

  private async invoke(handler: MessageHandler, data: unknown): Promise<unknown> {
    const result = await handler(data);
    return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
  }

  private track(loop: Promise<void>): void {
    const guarded = loop.catch((error) => this.logger.error(`transport loop stopped: ${(error as Error).message}`));
    this.running.add(guarded);
    void guarded.finally(() => this.running.delete(guarded));
  }

  async close(): Promise<void> {
    for (const sub of this.subscriptions) sub.unsubscribe();
    for (const messages of this.consumers) messages.stop();
    await Promise.all(this.running);
  }

  on(): never {
    throw new Error('NatsTransport does not emit events');
  }

  unwrap<T>(): T {
    return this.options.nc as T;
  }
}

/**
 * Runs `work` on each item as it arrives, at most `limit` at once: the next item is taken only when a slot is
 * free, so a JetStream consumer is not drained faster than its messages are handled (the client holds at most
 * the `max_messages` it prefetched; the rest wait in the stream). Resolves once the items end and every
 * started `work` has finished. The first `work` that throws stops the loop, as an exception in a plain
 * `for await` would, and is rethrown.
 */
export async function forEachConcurrently<T>(items: AsyncIterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    const task: Promise<void> = work(item)
      .catch((error: unknown) => void (failure ??= { error }))
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
    if (failure) break;
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}

/**
 * Nest's default microservice exception filter turns every error that is not an RpcException into
 * `{ status: 'error', message: 'Internal server error' }`, which loses the error's class. This filter hands
 * the original error to NatsTransport, whose ErrorMapper maps named errors to wire codes in one place.
 */
@Catch()
export class RethrowRpcErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

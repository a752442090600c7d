import {
  AckPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  DeliverPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { RESULTS_CONSUMER, streams } from '@tessera/contracts';

const nanos = (ms: number): number => ms * 1_000_000;

export interface StreamOptions {
  /** 1 on a single server; 3 on a cluster of 3 or more, so results survive the loss of a server. */
  replicas: number;
  /** How long a coordinator may hold a result before JetStream hands it to another. */
  resultAckWaitMs: number;
}

/**
 * Creates (or updates) the streams and the shared durable consumer. Idempotent: every coordinator runs it at
 * start-up, so a fresh NATS needs no manual setup.
 *
 * RESULTS is a work queue: a result is removed once a coordinator acked it, and kept, on disk, while no
 * coordinator is up. EVENTS is a limits stream that watchers read from; old events age out.
 */
export async function ensureStreams(nc: NatsConnection, options: StreamOptions): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  await upsertStream(jsm, {
    name: streams.results.name,
    subjects: [...streams.results.subjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: options.replicas,
    max_age: nanos(7 * 24 * 3600_000),
  });
  await upsertStream(jsm, {
    name: streams.events.name,
    subjects: [...streams.events.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: options.replicas,
    max_age: nanos(24 * 3600_000),
  });
  const consumer = {
    durable_name: RESULTS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.resultAckWaitMs),
    max_ack_pending: 1000,
  };
  const existing = await jsm.consumers.info(streams.results.name, RESULTS_CONSUMER).catch(notFoundAsNull);
  if (existing) {
    await jsm.consumers.update(streams.results.name, RESULTS_CONSUMER, { ack_wait: consumer.ack_wait, max_ack_pending: consumer.max_ack_pending });
  } else {
    await jsm.consumers.add(streams.results.name, consumer);
  }
  return jsm;
}

async function upsertStream(
  jsm: JetStreamManager,
  config: Parameters<JetStreamManager['streams']['add']>[0] & { name: string },
): Promise<void> {
  const existing = await jsm.streams.info(config.name).catch(notFoundAsNull);
  if (existing) await jsm.streams.update(config.name, config);
  else await jsm.streams.add(config);
}

function notFoundAsNull(error: unknown): null {
  if (error instanceof JetStreamApiError && (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound)) {
    return null;
  }
  throw error;
}

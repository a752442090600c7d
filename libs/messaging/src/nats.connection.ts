import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';

export type { NatsConnection } from '@nats-io/nats-core';

/**
 * Connects to NATS and keeps reconnecting for ever: a worker or coordinator outlives restarts of the server
 * it talks to (and moves to another server of a cluster when `url` lists several, comma-separated).
 */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
  });
}

import { connect } from '@nats-io/transport-node';
import { AuthorizationError, nkeyAuthenticator, TimeoutError, type NatsConnection } from '@nats-io/nats-core';
import { setTimeout as sleep } from 'node:timers/promises';

export type { NatsConnection } from '@nats-io/nats-core';

export interface NatsCredentials {
  /** An NKey seed (`SU...`): the connection authenticates as that NKey user. */
  seed?: Uint8Array;
  /**
   * The prefix of this connection's reply subjects. A worker uses its own (`subjects.inbox(workerId)`), the
   * only subjects it may subscribe to, so no other worker can read the replies that carry its leases.
   */
  inboxPrefix?: string;
  /**
   * Keep trying while the server refuses the credentials at the first connect, calling this each time: a
   * worker may be started before its operator has allowed its key. Unset: an authorisation error is thrown.
   * A handshake that times out is retried too: nats-server 2.9 drops a connection whose handshake overlaps a
   * configuration reload without telling the client (measured: 3 of 30 connects made right after allowing
   * a key hung until the client's timeout), and the farm reloads whenever a worker is allowed.
   */
  onUnauthorised?: (error: Error, attempt: number) => void;
}

/**
 * Connects to NATS and keeps reconnecting for ever: a worker or coordinator outlives restarts of the server
 * it talks to (and moves to another server of a cluster when `url` lists several, comma-separated). An NKey
 * seed is accepted by a server without authentication too (it offers no nonce to sign), so one worker
 * configuration serves both an embedded farm and an open external NATS.
 */
export async function connectNats(url: string, name: string, credentials: NatsCredentials = {}): Promise<NatsConnection> {
  const seed = credentials.seed;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({
        servers: url.split(',').map((s) => s.trim()),
        name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        pingInterval: 10_000,
        // The handshake on loopback or a LAN takes milliseconds; a lost one is retried sooner than the 20 s default.
        timeout: 5000,
        ...(seed ? { authenticator: nkeyAuthenticator(seed) } : {}),
        ...(credentials.inboxPrefix ? { inboxPrefix: credentials.inboxPrefix } : {}),
      });
    } catch (error) {
      const refused = error instanceof AuthorizationError || error instanceof TimeoutError;
      if (!refused || !credentials.onUnauthorised) throw error;
      credentials.onUnauthorised(error, attempt);
      await sleep(Math.min(5000, 250 * attempt));
    }
  }
}

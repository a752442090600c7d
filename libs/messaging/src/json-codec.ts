import type { z } from 'zod';
import { errorReplySchema, InvalidMessageError, parseMessage } from '@tessera/contracts';
import type { NatsConnection } from '@nats-io/nats-core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes a JSON payload; a payload that is not JSON is reported as such, not as an exception trace. */
export function decodeJson(data: Uint8Array, what: string): unknown {
  const text = decoder.decode(data);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidMessageError(what, [`payload is not JSON (${text.slice(0, 80)})`]);
  }
}

/** The far side answered a request with an error reply. */
export class RemoteError extends Error {
  override name = 'RemoteError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Request/reply with JSON both ways, the reply validated against its schema. */
export async function requestJson<T extends z.ZodType>(
  nc: NatsConnection,
  subject: string,
  payload: unknown,
  replySchema: T,
  timeoutMs: number,
): Promise<z.infer<T>> {
  const reply = await nc.request(subject, encodeJson(payload), { timeout: timeoutMs });
  const body = decodeJson(reply.data, `reply on ${subject}`);
  const error = errorReplySchema.safeParse(body);
  if (error.success) throw new RemoteError(error.data.error.code, error.data.error.message);
  return parseMessage(replySchema, body, `reply on ${subject}`);
}

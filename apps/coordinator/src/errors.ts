import { Logger } from '@nestjs/common';
import { InvalidMessageError, subjects } from '@tessera/contracts';
import { DomainError } from '@tessera/domain';

/** A worker that asks for work without having registered (or after the coordinator forgot it). */
export class UnknownWorkerError extends DomainError {
  readonly code = 'unknown_worker';
  constructor(workerId: string) {
    super(`worker ${workerId} is not registered: send ${subjects.workerRegister(workerId)} first`);
  }
}

/** Maps every error a NATS handler can throw to the wire's error reply, in one place. */
export function mapNatsError(error: unknown): { code: string; message: string } {
  if (error instanceof InvalidMessageError) return { code: 'invalid_request', message: error.message };
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : JSON.stringify(error), 'NatsErrors');
  return { code: 'internal', message: 'internal error; the coordinator logged it' };
}

import { DomainError } from '@tessera/domain';

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
}

/** The same Idempotency-Key sent again with a different request body. */
export class IdempotencyMismatchError extends DomainError {
  readonly code = 'idempotency_mismatch';
}

export class FrameNotReadyError extends DomainError {
  readonly code = 'frame_not_ready';
}

/** A job request that is well-formed but cannot be planned (scene/renderer mismatch, too many tiles...). */
export class InvalidJobError extends DomainError {
  readonly code = 'invalid_job';
}

/** A worker public key that is shaped right but is not a valid NKey (a typo, a truncated copy). */
export class InvalidWorkerKeyError extends DomainError {
  readonly code = 'invalid_worker_key';
}

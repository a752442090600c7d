import { DomainError } from '@tessera/domain';

/** No key, or one that is not a live key of ours: 401 with `WWW-Authenticate: Bearer`. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated';
}

/** A live key without the scope the route needs: 403 (the caller is known, the key may not do this). */
export class MissingScopeError extends DomainError {
  readonly code = 'forbidden';
}

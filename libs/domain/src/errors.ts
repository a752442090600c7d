/**
 * Every error the farm can explain to its caller derives from DomainError. The HTTP and NATS layers map
 * them in one place: `code` is stable (it goes on the wire in `errorReplySchema` and in HTTP problem
 * bodies), the message is for people and may change.
 *
 * Anything that is not a DomainError is a bug or an infrastructure failure and maps to a 5xx.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // The class name, not "Error", so logs and stack traces say which rule was broken.
    this.name = new.target.name;
  }
}

/** A tiling that cannot be planned: `4by3`, more columns than pixels, zero rows... */
export class TilingError extends DomainError {
  readonly code = 'invalid_tiling';
}

/** What went wrong with a set of regions, for callers that react to more than the message. */
export type CoverageProblem =
  | { kind: 'invalid-frame' }
  | { kind: 'invalid-region'; region: number }
  | { kind: 'out-of-bounds'; region: number }
  | { kind: 'overlap'; regions: [number, number]; pixel: { x: number; y: number } }
  | { kind: 'gap'; pixel: { x: number; y: number } };

/** Regions that do not cover a frame exactly: a gap, an overlap, or a region outside the frame. */
export class CoverageError extends DomainError {
  readonly code = 'invalid_coverage';

  constructor(
    message: string,
    readonly problem: CoverageProblem,
  ) {
    super(message);
  }
}

/** A frame list an artist typed that cannot be read or does not fit the scene. */
export class FrameSpecError extends DomainError {
  readonly code = 'invalid_frames';
}

/** Which state machine refused the change, for the message and for metrics. */
export type Entity = 'job' | 'frame' | 'tile' | 'attempt';

/** A status change the state machine does not allow, e.g. accepting a tile that is no longer leased. */
export class IllegalTransitionError extends DomainError {
  readonly code = 'illegal_transition';

  constructor(
    readonly entity: Entity,
    readonly from: string,
    readonly event: string,
  ) {
    super(`illegal ${entity} transition: ${event} from ${from}`);
  }
}

/**
 * A caller broke a precondition of a pure function (negative counts, a non-integer size). This is a bug
 * in the caller rather than bad user input, but it still gets a name so it is not mistaken for one.
 */
export class InvariantViolationError extends DomainError {
  readonly code = 'invariant_violation';
}

import { IllegalTransitionError, InvariantViolationError } from './errors';

/**
 * The one place where job, frame, tile and attempt (lease) statuses change, as in Flamenco: every
 * change is `xTransition(from, event) -> to`, a pure function over an exhaustive switch. Callers
 * (the scheduler, the result handler, the stitcher) persist the returned state and log `from -> to`;
 * an illegal change throws IllegalTransitionError naming the entity, the state and the event, which
 * usually means a stale message (a result for a lease that already expired) and is answered, not crashed on.
 *
 * The state lists are exported as const arrays for database CHECK constraints and validation.
 */

export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FRAME_STATES = ['pending', 'stitching', 'done', 'cancelled'] as const;
export type FrameState = (typeof FRAME_STATES)[number];

export const TILE_STATES = ['pending', 'leased', 'accepted', 'failed', 'cancelled'] as const;
export type TileState = (typeof TILE_STATES)[number];

/** An attempt is one lease of a tile to one worker; a tile has one active attempt at most. */
export const ATTEMPT_STATES = ['active', 'succeeded', 'failed', 'expired', 'aborted', 'released'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export const JOB_EVENTS = ['start', 'complete', 'fail', 'cancel'] as const;
export type JobEvent = (typeof JOB_EVENTS)[number];

export const FRAME_EVENTS = ['startStitch', 'stitched', 'stitchFailed', 'cancel', 'reopen'] as const;
export type FrameEvent = (typeof FRAME_EVENTS)[number];

export const TILE_EVENT_TYPES = ['lease', 'accept', 'fail', 'expire', 'release', 'cancel', 'reject'] as const;
/** Only `fail` carries data: whether the tile has retries left decides between pending and failed. */
export type TileEvent =
  | { type: 'lease' | 'accept' | 'expire' | 'release' | 'cancel' | 'reject' }
  | { type: 'fail'; retriesLeft: boolean };

export const ATTEMPT_EVENTS = ['succeed', 'fail', 'expire', 'abort', 'release'] as const;
export type AttemptEvent = (typeof ATTEMPT_EVENTS)[number];

/**
 * queued -start-> running (on the first lease) -complete|fail-> completed|failed.
 * `fail` is allowed from queued too (a job can fail before any tile is leased, e.g. its scene became
 * unreadable); `cancel` from queued or running. Terminal states are final.
 */
export function jobTransition(from: JobState, event: JobEvent): JobState {
  switch (event) {
    case 'start':
      if (from === 'queued') return 'running';
      break;
    case 'complete':
      if (from === 'running') return 'completed';
      break;
    case 'fail':
      if (from === 'queued' || from === 'running') return 'failed';
      break;
    case 'cancel':
      if (from === 'queued' || from === 'running') return 'cancelled';
      break;
    default:
      return unknownEvent('job', event);
  }
  throw new IllegalTransitionError('job', from, event);
}

/**
 * pending -startStitch-> stitching -stitched-> done; a failed stitch goes back to pending for a retry.
 * `reopen`: a tile of the frame was rejected after the fact (its worker was caught cheating), so a stitched
 * frame of a job that still runs waits for that tile again and is stitched anew.
 */
export function frameTransition(from: FrameState, event: FrameEvent): FrameState {
  switch (event) {
    case 'startStitch':
      if (from === 'pending') return 'stitching';
      break;
    case 'stitched':
      if (from === 'stitching') return 'done';
      break;
    case 'stitchFailed':
      if (from === 'stitching') return 'pending';
      break;
    case 'cancel':
      if (from === 'pending' || from === 'stitching') return 'cancelled';
      break;
    case 'reopen':
      if (from === 'done') return 'pending';
      break;
    default:
      return unknownEvent('frame', event);
  }
  throw new IllegalTransitionError('frame', from, event);
}

/**
 * pending -lease-> leased -accept-> accepted. A leased tile whose lease ends without a result (expired,
 * released by a worker shutting down) or with a failed render goes back to pending, unless the failure
 * used up its retries: then it is failed, and so is its job (deriveJobOutcome).
 */
export function tileTransition(from: TileState, event: TileEvent): TileState {
  switch (event.type) {
    case 'lease':
      if (from === 'pending') return 'leased';
      break;
    case 'accept':
      if (from === 'leased') return 'accepted';
      break;
    case 'fail':
      if (from === 'leased') return event.retriesLeft ? 'pending' : 'failed';
      break;
    case 'expire':
    case 'release':
      if (from === 'leased') return 'pending';
      break;
    case 'cancel':
      if (from === 'pending' || from === 'leased') return 'cancelled';
      break;
    case 'reject':
      // An accepted tile found false by a spot-check (or delivered by a worker caught cheating): render it again.
      if (from === 'accepted') return 'pending';
      break;
    default:
      return unknownEvent('tile', (event as { type: never }).type);
  }
  throw new IllegalTransitionError('tile', from, event.type);
}

/** An attempt ends exactly once, from active, and records how. */
export function attemptTransition(from: AttemptState, event: AttemptEvent): AttemptState {
  if (from !== 'active') throw new IllegalTransitionError('attempt', from, event);
  switch (event) {
    case 'succeed':
      return 'succeeded';
    case 'fail':
      return 'failed';
    case 'expire':
      return 'expired';
    case 'abort':
      return 'aborted';
    case 'release':
      return 'released';
    default:
      return unknownEvent('attempt', event);
  }
}

/** Completed, failed and cancelled jobs never change again. */
export function isTerminal(state: JobState): boolean {
  switch (state) {
    case 'completed':
    case 'failed':
    case 'cancelled':
      return true;
    case 'queued':
    case 'running':
      return false;
    default:
      return unknownState('job', state);
  }
}

/** Tiles still waiting for or holding a lease: what a job cancellation cancels. */
export function isTileOpen(state: TileState): boolean {
  return state === 'pending' || state === 'leased';
}

export interface JobCounts {
  /** How many of the job's tiles are in each state. */
  tiles: Record<TileState, number>;
  framesDone: number;
  framesTotal: number;
}

/**
 * What a running job's tiles and frames say it should be, the one place job status is derived:
 * failed as soon as any tile failed (it used up its retries, so its frame can never be stitched),
 * completed when every frame is done, running otherwise. The caller applies `fail` or `complete`
 * through jobTransition when this says so.
 */
export function deriveJobOutcome(counts: JobCounts): 'running' | 'completed' | 'failed' {
  checkCounts(counts);
  if (counts.tiles.failed > 0) return 'failed';
  if (counts.framesTotal > 0 && counts.framesDone === counts.framesTotal) return 'completed';
  return 'running';
}

function checkCounts({ tiles, framesDone, framesTotal }: JobCounts): void {
  const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const bad = TILE_STATES.filter((state) => !isCount(tiles?.[state]));
  if (bad.length > 0) throw new InvariantViolationError(`job counts: tile count for ${bad.join(', ')} must be a non-negative integer`);
  if (!isCount(framesDone) || !isCount(framesTotal) || framesDone > framesTotal) {
    throw new InvariantViolationError(`job counts: ${framesDone} of ${framesTotal} frames done is impossible`);
  }
}

// Reached only when a caller bypasses the types (a value from the database or the wire).
function unknownEvent(entity: string, event: never): never {
  throw new InvariantViolationError(`${entity}: unknown event ${JSON.stringify(event)}`);
}

function unknownState(entity: string, state: never): never {
  throw new InvariantViolationError(`${entity}: unknown state ${JSON.stringify(state)}`);
}

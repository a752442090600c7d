import { InvariantViolationError } from '../errors';
import { draw, type RandomSource } from './random-source';
import {
  DEFAULT_PATCH_AREA,
  DEFAULT_PATCHES,
  DEFAULT_PROBATION,
  DEFAULT_Q_FLOOR,
  DEFAULT_WHOLE_TILE_SHARE,
} from './thresholds';
import { requireFraction, requireInteger } from './verification-error';

/**
 * The spot-check policy (DESIGN.md section 3, issue 7): after a worker has committed to the pixel hash of
 * a result, decide whether that result is re-rendered by someone else, and how. Pure: the caller keeps
 * reputations (one per worker, renderer version and device class), passes in a RandomSource (a CSPRNG in
 * production) and persists what recordOutcome returns.
 *
 * The probability follows BOINC's adaptive replication: 1 for the first `probation` results and after any
 * failure, then max(qFloor, 1 / consecutiveValid).
 */

// Taken once: under jest every global lookup (Math, Number) in a hot loop costs an interceptor call, and
// the simulation calls checkProbability millions of times.
const { max, min } = Math;
const { isSafeInteger } = Number;

/** Whose record a result counts towards: a worker is trusted per renderer build and device, not globally. */
export interface ReputationKey {
  readonly workerId: string;
  readonly rendererVersion: string;
  readonly deviceClass: string;
}

/**
 * A stable, unambiguous string for a key (a JSON array, so no separator can be forged inside a field),
 * for maps and logs. The database keeps the three columns.
 */
export function reputationKeyOf(key: ReputationKey): string {
  return JSON.stringify([key.workerId, key.rendererVersion, key.deviceClass]);
}

export interface Reputation {
  /** Results in a row accepted as valid since the first result or the last failure (the streak). */
  readonly consecutiveValid: number;
  /** All results accepted as valid, for operators and `GET /v1/workers`. */
  readonly validResults: number;
  /** All results found invalid (a failed cheap check, or a check lost in arbitration). */
  readonly invalidResults: number;
}

/** A key that has delivered nothing yet: on probation. */
export const NEW_REPUTATION: Reputation = Object.freeze({ consecutiveValid: 0, validResults: 0, invalidResults: 0 });

export interface CheckPolicy {
  /** Results checked with probability 1 at the start of a streak. */
  readonly probation: number;
  /** The lowest check probability, reached by long streaks. In (0, 1]. */
  readonly qFloor: number;
  /** Rectangles per patch check. */
  readonly patches: number;
  /** Fraction of the tile the patches cover together, in (0, 1]; 1 means every check is a whole-tile check. */
  readonly patchArea: number;
  /** Fraction of checks that re-render the whole tile even when patches are possible, in [0, 1]. */
  readonly wholeTileShare: number;
}

export const DEFAULT_CHECK_POLICY: CheckPolicy = Object.freeze({
  probation: DEFAULT_PROBATION,
  qFloor: DEFAULT_Q_FLOOR,
  patches: DEFAULT_PATCHES,
  patchArea: DEFAULT_PATCH_AREA,
  wholeTileShare: DEFAULT_WHOLE_TILE_SHARE,
});

/** The defaults with some fields replaced, validated: the way configuration builds a policy. */
export function checkPolicy(overrides: Partial<CheckPolicy> = {}): CheckPolicy {
  return validateCheckPolicy({ ...DEFAULT_CHECK_POLICY, ...overrides });
}

/** The policy of the farm's settings (TESSERA_CONFIG `verification`: the fields a policy has, and others). */
export function checkPolicyOf(settings: Pick<CheckPolicy, 'probation' | 'qFloor' | 'patches' | 'patchArea'>): CheckPolicy {
  const { probation, qFloor, patches, patchArea } = settings;
  return checkPolicy({ probation, qFloor, patches, patchArea });
}

/** Returns the policy frozen, or throws VerificationPolicyError naming the first field that is wrong. */
export function validateCheckPolicy(policy: CheckPolicy): CheckPolicy {
  requireInteger('probation', policy.probation, 0, 1_000_000);
  requireFraction('qFloor', policy.qFloor, 0, 1, true);
  requireInteger('patches', policy.patches, 1, 64);
  requireFraction('patchArea', policy.patchArea, 0, 1, true);
  requireFraction('wholeTileShare', policy.wholeTileShare, 0, 1);
  return Object.freeze({ ...policy });
}

/**
 * The probability that the next result of this key is checked. On probation (a streak shorter than
 * `probation`, which includes a fresh start after a failure) it is 1; after that 1/streak, never below
 * the floor. A streak of 0 (possible only with probation 0) has nothing to go on and is checked too.
 */
export function checkProbability(reputation: Reputation, policy: CheckPolicy): number {
  const streak = requireStreak(reputation);
  if (streak < policy.probation || streak === 0) return 1;
  return min(1, max(policy.qFloor, 1 / streak));
}

export type CheckKind = 'patches' | 'whole-tile';

export type CheckDecision =
  | { readonly check: false; readonly probability: number }
  | { readonly check: true; readonly probability: number; readonly kind: CheckKind };

/**
 * Whether to check the result just committed, and how. Call it only after the worker has published its
 * pixel hash: a decision the worker could see coming would let it cheat exactly where nobody looks.
 *
 * Consumes one draw, and a second one for the kind when the policy mixes kinds (0 < wholeTileShare < 1).
 * A patch check still needs its rectangles: `choosePatches` with the tile and the same source.
 */
export function decideCheck(reputation: Reputation, policy: CheckPolicy, random: RandomSource): CheckDecision {
  const probability = checkProbability(reputation, policy);
  if (draw(random) >= probability) return { check: false, probability };
  return { check: true, probability, kind: checkKind(policy, random) };
}

function checkKind(policy: CheckPolicy, random: RandomSource): CheckKind {
  if (policy.patchArea >= 1 || policy.wholeTileShare >= 1) return 'whole-tile';
  if (policy.wholeTileShare <= 0) return 'patches';
  return draw(random) < policy.wholeTileShare ? 'whole-tile' : 'patches';
}

export type VerificationOutcome = 'valid' | 'invalid';

/**
 * The reputation after one more result. `valid`: the result passed its cheap checks and either was not
 * checked or its check agreed; the streak grows. `invalid`: it failed a cheap check or lost an arbitration;
 * the streak restarts at 0, which puts the key back on probation. A renderer error reported as a failed
 * result is not an outcome here: it is not a lie about pixels.
 *
 * Unchecked results count towards the streak, as in BOINC. That is what lets q fall for honest workers
 * (checked results alone would make the streak grow like the square root of the work), and it is why a
 * cheater's undetected fakes also lower its q: the floor, not 1/streak, is the guarantee.
 */
export function recordOutcome(reputation: Reputation, outcome: VerificationOutcome): Reputation {
  const streak = requireStreak(reputation);
  switch (outcome) {
    case 'valid':
      return Object.freeze({ ...reputation, consecutiveValid: streak + 1, validResults: reputation.validResults + 1 });
    case 'invalid':
      return Object.freeze({ ...reputation, consecutiveValid: 0, invalidResults: reputation.invalidResults + 1 });
    default:
      return unknownOutcome(outcome);
  }
}

function unknownOutcome(outcome: never): never {
  throw new InvariantViolationError(`unknown verification outcome ${JSON.stringify(outcome)}`);
}

function requireStreak(reputation: Reputation): number {
  const streak = reputation.consecutiveValid;
  if (!isSafeInteger(streak) || streak < 0) {
    throw new InvariantViolationError(`reputation: consecutiveValid must be a non-negative integer, got ${streak}`);
  }
  return streak;
}

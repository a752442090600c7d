import {
  checkProbability,
  decideCheck,
  DEFAULT_CHECK_POLICY,
  NEW_REPUTATION,
  recordOutcome,
  validateCheckPolicy,
  type CheckKind,
  type CheckPolicy,
  type Reputation,
} from './check-policy';
import { draw, SeededRandom, type RandomSource } from './random-source';
import { DEFAULT_TILE_PIXELS, VERIFICATION_TARGET } from './thresholds';
import { requireFraction, requireInteger } from './verification-error';

/**
 * A Monte-Carlo of the spot-check policy against one cheating worker, and the exact values it must agree
 * with. Pure and seeded: the same options give the same numbers on every machine.
 *
 * The model, per tile i = 0..N-1 of a fresh reputation key:
 * - the worker cheats on the tile with probability `cheatRate`, except on its first `honestFirst` tiles;
 * - decideCheck (the real policy, fed by a SeededRandom) says whether and how the tile is checked;
 * - a check of a cheated tile catches it with probability 1 for a whole-tile check and `detect` for a
 *   patch check. detect = 1 models wholesale fakes (black, noise, fewer samples, a neighbour's or an old
 *   tile: every pixel differs, so any patch sees it); a fake of part of a tile is caught only when a patch
 *   overlaps it, which is what a lower detect stands for;
 * - a catch ends the run (the worker is blocklisted); otherwise the result counts as valid (recordOutcome),
 *   cheated or not, because nobody knows better: this is how a cheater's q falls to the floor.
 * Runs are independent (a fresh key each), and a cheater's tiles are independent draws: a cheater who
 * picks which tiles to fake gains nothing, since the check decision comes after its commitment.
 *
 * Work is counted in tiles: a tile is 1, a patch check `patchArea` plus its start-up, a whole-tile check
 * 1 plus one start-up; a catch adds the arbitrating third render of the same size. Redundant work is
 * check work over all rendered work (tiles + checks).
 */

export interface CheaterModel {
  /** Fraction of its tiles the worker fakes once it starts cheating (f). */
  cheatRate: number;
  /** Tiles rendered honestly before it starts (H): the patient cheater waits out probation. */
  honestFirst: number;
}

export interface SimulationOptions {
  policy: CheckPolicy;
  /** Tiles per run: "caught within N tiles", counted from the worker's first tile. */
  tiles: number;
  /** Runs of the Monte-Carlo. Standard error of a catch probability p: sqrt(p (1 - p) / trials). */
  trials: number;
  seed: number;
  /** Probability that a patch check of a cheated tile catches it; 1 for wholesale fakes. */
  detect: number;
  /**
   * Start-up cost of one check render, as the pixels the renderer could have rendered in that time. Each
   * region a check renders pays it once: a patch check `patches` times (Blender renders one border per
   * render call), a whole-tile check once. 0 for the builtin tracer; see docs/verification.md for Blender.
   */
  startupPixels: number;
  /** Pixels in a tile, to turn startupPixels into a fraction of a tile. */
  tilePixels: number;
  /**
   * The cheater's tiles per job, for backtracking: a catch re-renders the tiles of the current job that no
   * check verified, so only fakes in jobs finished before the catch reach an artist.
   */
  jobTiles: number;
}

export const DEFAULT_SIMULATION_OPTIONS: Readonly<SimulationOptions> = Object.freeze({
  policy: DEFAULT_CHECK_POLICY,
  tiles: VERIFICATION_TARGET.tiles,
  trials: 20_000,
  seed: 7,
  detect: 1,
  startupPixels: 0,
  tilePixels: DEFAULT_TILE_PIXELS,
  jobTiles: 50,
});

export interface SimulationResult {
  /** Monte-Carlo probability that the cheater is caught within `tiles` tiles. */
  caught: number;
  /** Its standard error. */
  caughtStdError: number;
  /** The exact value: 1 - prod(1 - q_i f d), which is 1 - (1 - q f d)^(N - H) where q is constant. */
  caughtAnalytic: number;
  /** Expected fakes accepted before the catch (all of them, if not caught within N): Monte-Carlo. */
  badTiles: number;
  /** The same, exact. */
  badTilesAnalytic: number;
  /** Expected fakes that reach an artist when a catch backtracks the current job's unverified tiles. */
  badTilesAfterBacktrack: number;
  /** Check work over all work of this worker's tiles until caught or N (Monte-Carlo). */
  redundantWork: number;
  /** Check work over all work of an honest worker's first N tiles, probation included (exact). */
  honestWork: number;
  /** The same once the streak is long and q sits at the floor: what the farm pays in the long run. */
  steadyWork: number;
}

/** Options with defaults filled in, validated; throws VerificationPolicyError naming a wrong field. */
export function simulationOptions(overrides: Partial<SimulationOptions> = {}): SimulationOptions {
  const options = { ...DEFAULT_SIMULATION_OPTIONS, ...overrides };
  validateCheckPolicy(options.policy);
  requireInteger('tiles', options.tiles, 1, 1_000_000);
  requireInteger('trials', options.trials, 1, 100_000_000);
  requireInteger('seed', options.seed, Number.MIN_SAFE_INTEGER);
  requireFraction('detect', options.detect, 0, 1);
  requireFraction('startupPixels', options.startupPixels, 0, Number.MAX_SAFE_INTEGER);
  requireInteger('tilePixels', options.tilePixels, 1);
  requireInteger('jobTiles', options.jobTiles, 1);
  return options;
}

/** Runs the Monte-Carlo and the exact formulas for one cheater. */
export function simulateCheater(cheater: CheaterModel, overrides: Partial<SimulationOptions> = {}): SimulationResult {
  const options = simulationOptions(overrides);
  requireCheater(cheater);
  const random = new SeededRandom(options.seed);
  const reputations = reputationsUntilCaught(options);
  let caughtRuns = 0;
  let bad = 0;
  let badDelivered = 0;
  let tileWork = 0;
  let checkWork = 0;
  for (let t = 0; t < options.trials; t++) {
    const run = oneRun(cheater, options, reputations, random);
    if (run.caught) caughtRuns++;
    bad += run.bad;
    badDelivered += run.badDelivered;
    tileWork += run.tileWork;
    checkWork += run.checkWork;
  }
  const caught = caughtRuns / options.trials;
  const analytic = analyticCatch(cheater, options);
  const work = honestWork(options);
  return {
    caught,
    caughtStdError: Math.sqrt((caught * (1 - caught)) / options.trials),
    caughtAnalytic: analytic.caught,
    badTiles: bad / options.trials,
    badTilesAnalytic: analytic.badTiles,
    badTilesAfterBacktrack: badDelivered / options.trials,
    redundantWork: checkWork / (tileWork + checkWork),
    honestWork: work.firstTiles,
    steadyWork: work.steady,
  };
}

interface Run {
  caught: boolean;
  bad: number;
  badDelivered: number;
  tileWork: number;
  checkWork: number;
}

/**
 * The reputation before each tile of a run. A run ends at its first catch, and until then every result is
 * recorded valid, so the sequence is the same for every run: built once through recordOutcome rather than
 * once per tile per run (the Monte-Carlo spends its time in decideCheck and the draws, as it should).
 */
function reputationsUntilCaught(options: SimulationOptions): Reputation[] {
  const reputations = [NEW_REPUTATION];
  for (let i = 1; i < options.tiles; i++) reputations.push(recordOutcome(reputations[i - 1], 'valid'));
  return reputations;
}

function oneRun(
  cheater: CheaterModel,
  options: SimulationOptions,
  reputations: readonly Reputation[],
  random: RandomSource,
): Run {
  const { policy, tiles, jobTiles } = options;
  let checkWork = 0;
  let bad = 0;
  let badVerified = 0; // fakes a patch check missed: verified, so backtracking keeps them
  let badUnverifiedDone = 0; // in jobs finished before the current one: already with the artist
  let badUnverifiedJob = 0; // in the current job: backtracked on a catch
  for (let i = 0; i < tiles; i++) {
    const cheated = i >= cheater.honestFirst && draw(random) < cheater.cheatRate;
    const decision = decideCheck(reputations[i], policy, random);
    if (decision.check) {
      const cost = checkCost(decision.kind, options);
      checkWork += cost;
      const detection = decision.kind === 'whole-tile' ? 1 : options.detect;
      if (cheated && draw(random) < detection) {
        const badDelivered = badUnverifiedDone + badVerified;
        return { caught: true, bad, badDelivered, tileWork: i + 1, checkWork: checkWork + cost };
      }
      if (cheated) badVerified++;
    } else if (cheated) {
      badUnverifiedJob++;
    }
    if (cheated) bad++;
    if ((i + 1) % jobTiles === 0) {
      badUnverifiedDone += badUnverifiedJob;
      badUnverifiedJob = 0;
    }
  }
  // Not caught within N: every fake is, or will be, in someone's frames.
  return { caught: false, bad, badDelivered: bad, tileWork: tiles, checkWork };
}

/** Work of one check of this kind, in tiles, start-up included. */
export function checkCost(
  kind: CheckKind,
  options: Pick<SimulationOptions, 'policy' | 'startupPixels' | 'tilePixels'>,
): number {
  const startup = options.startupPixels / options.tilePixels;
  if (kind === 'whole-tile' || options.policy.patchArea >= 1) return 1 + startup;
  return options.policy.patchArea + options.policy.patches * startup;
}

/** Expected work of one check (the policy's mix of kinds) and its chance of catching a cheated tile. */
export function meanCheck(
  options: Pick<SimulationOptions, 'policy' | 'startupPixels' | 'tilePixels' | 'detect'>,
): { cost: number; detection: number } {
  const { policy } = options;
  const whole = policy.patchArea >= 1 ? 1 : policy.wholeTileShare;
  return {
    cost: whole * checkCost('whole-tile', options) + (1 - whole) * checkCost('patches', options),
    detection: whole + (1 - whole) * options.detect,
  };
}

/**
 * The exact catch probability and expected fakes within N tiles. While a worker is not caught every
 * result counts as valid, so its streak before tile i is i and its check probability q_i is known in
 * advance; the run survives tile i with probability 1 - q_i f d. Hence
 *   P(caught) = 1 - prod_{i=H}^{N-1} (1 - q_i f d),
 *   E[fakes accepted] = sum_{i=H}^{N-1} S_i f (1 - q_i d), S_i = prod_{j<i} (1 - q_j f d),
 * and for q_i = q constant (H >= probation and 1/H <= floor) the first is the textbook 1 - (1 - q f d)^(N-H).
 */
export function analyticCatch(
  cheater: CheaterModel,
  overrides: Partial<SimulationOptions> = {},
): { caught: number; badTiles: number } {
  const options = simulationOptions(overrides);
  requireCheater(cheater);
  const { detection } = meanCheck(options);
  const f = cheater.cheatRate;
  let reputation = NEW_REPUTATION;
  let survive = 1;
  let badTiles = 0;
  for (let i = 0; i < options.tiles; i++) {
    if (i >= cheater.honestFirst) {
      const q = checkProbability(reputation, options.policy);
      badTiles += survive * f * (1 - q * detection);
      survive *= 1 - q * f * detection;
    }
    reputation = recordOutcome(reputation, 'valid');
  }
  return { caught: 1 - survive, badTiles };
}

/**
 * What checks cost an honest worker: over its first N tiles (probation included), and in the long run
 * (q at the floor). Exact expectations: sum of q_i times the mean check cost, over tiles plus checks.
 */
export function honestWork(overrides: Partial<SimulationOptions> = {}): { firstTiles: number; steady: number } {
  const options = simulationOptions(overrides);
  const { cost } = meanCheck(options);
  let reputation = NEW_REPUTATION;
  let checks = 0;
  for (let i = 0; i < options.tiles; i++) {
    checks += checkProbability(reputation, options.policy);
    reputation = recordOutcome(reputation, 'valid');
  }
  const steady = options.policy.qFloor * cost;
  return { firstTiles: (checks * cost) / (options.tiles + checks * cost), steady: steady / (1 + steady) };
}

function requireCheater(cheater: CheaterModel): void {
  requireFraction('cheatRate', cheater.cheatRate, 0, 1);
  requireInteger('honestFirst', cheater.honestFirst, 0);
}

import { checkPolicy, DEFAULT_CHECK_POLICY } from './check-policy';
import { analyticCatch, checkCost, honestWork, simulateCheater, simulationOptions } from './simulation';
import { DOC_SIMULATION_GRIDS, formatSimulationTable, simulationTable } from './simulation-table';
import { VERIFICATION_TARGET } from './thresholds';
import { VerificationPolicyError } from './verification-error';

/** Monte-Carlo and exact value agree within `sigmas` standard errors (never tighter than 1e-3 near 0 or 1). */
function expectAgreement(mc: number, exact: number, trials: number, sigmas = 4): void {
  const se = Math.max(Math.sqrt((exact * (1 - exact)) / trials), 1e-3 / sigmas);
  expect(Math.abs(mc - exact)).toBeLessThanOrEqual(sigmas * se);
}

describe(simulateCheater.name, () => {
  it('agrees with (1 - q f)^n where q is constant', () => {
    // Honest for 10 tiles: probation is over and 1/10 < 0.25, so every cheating tile faces q = 0.25.
    const policy = checkPolicy({ qFloor: 0.25 });
    const result = simulateCheater({ cheatRate: 0.1, honestFirst: 10 }, { policy, trials: 20_000, seed: 1 });
    const textbook = 1 - (1 - 0.25 * 0.1) ** 190;
    expect(result.caughtAnalytic).toBeCloseTo(textbook, 12);
    expectAgreement(result.caught, textbook, 20_000);
  });

  it('agrees with the exact product through probation and the 1/streak decay', () => {
    const policy = checkPolicy({ qFloor: 0.02 });
    const cheater = { cheatRate: 0.05, honestFirst: 0 };
    const result = simulateCheater(cheater, { policy, trials: 10_000, seed: 2 });
    expectAgreement(result.caught, result.caughtAnalytic, 10_000);
    expect(Math.abs(result.badTiles - result.badTilesAnalytic)).toBeLessThan(0.05 * result.badTilesAnalytic);
  });

  it('counts a partial fake caught by a patch with probability detect', () => {
    const options = { trials: 10_000, seed: 3, detect: 0.5 };
    const cheater = { cheatRate: 0.1, honestFirst: 30 };
    const result = simulateCheater(cheater, options);
    expect(result.caughtAnalytic).toBeCloseTo(1 - (1 - 0.28 * 0.1 * 0.5) ** 170, 12);
    expectAgreement(result.caught, result.caughtAnalytic, 10_000);
    // Whole-tile checks see the whole tile: detect does not apply to them.
    const whole = analyticCatch(cheater, { ...options, policy: checkPolicy({ patchArea: 1 }) });
    expect(whole.caught).toBeCloseTo(1 - (1 - 0.28 * 0.1) ** 170, 12);
  });

  it('never catches an honest worker, and its check work matches the exact expectation', () => {
    const result = simulateCheater({ cheatRate: 0, honestFirst: 0 }, { trials: 2_000, seed: 4 });
    expect(result.caught).toBe(0);
    expect(result.caughtAnalytic).toBe(0);
    expect(result.badTiles).toBe(0);
    expect(Math.abs(result.redundantWork - result.honestWork)).toBeLessThan(0.02 * result.honestWork);
  });

  it('lets backtracking pull back only the current job’s fakes', () => {
    const cheater = { cheatRate: 0.1, honestFirst: 30 };
    const perTile = simulateCheater(cheater, { trials: 2_000, seed: 5, jobTiles: 1 });
    expect(perTile.badTilesAfterBacktrack).toBe(perTile.badTiles); // every job is already delivered
    const oneJob = simulateCheater(cheater, { trials: 2_000, seed: 5, jobTiles: 1_000 });
    const uncaught = 1 - oneJob.caught;
    expect(oneJob.badTilesAfterBacktrack).toBeLessThan(oneJob.badTiles);
    expect(oneJob.badTilesAfterBacktrack).toBeLessThanOrEqual(uncaught * 170 * 0.1 * 2); // only runs never caught
  });

  it('repeats itself for a seed', () => {
    const run = () => simulateCheater({ cheatRate: 0.1, honestFirst: 30 }, { trials: 1_000, seed: 9 });
    expect(run()).toEqual(run());
  });

  it.each([
    ['trials', { trials: 0 }],
    ['tiles', { tiles: 1.5 }],
    ['detect', { detect: 2 }],
    ['startupPixels', { startupPixels: -1 }],
    ['qFloor', { policy: { ...DEFAULT_CHECK_POLICY, qFloor: 0 } }],
  ])('names %s when it is wrong', (field, overrides) => {
    expect(() => simulationOptions(overrides)).toThrow(VerificationPolicyError);
    expect(() => simulationOptions(overrides)).toThrow(new RegExp(`^${field}: `));
  });

  it('names cheatRate and honestFirst when they are wrong', () => {
    expect(() => analyticCatch({ cheatRate: 1.1, honestFirst: 0 })).toThrow(/^cheatRate: /);
    expect(() => analyticCatch({ cheatRate: 0.1, honestFirst: -3 })).toThrow(/^honestFirst: /);
  });
});

describe('the default policy', () => {
  const { cheatRate, tiles, honestFirst, catchProbability, redundantWork } = VERIFICATION_TARGET;

  it.each([0, honestFirst])(
    `catches a worker cheating on ${cheatRate * 100}% of its tiles within ${tiles} tiles at >= 99%%, honest for its first %i`,
    (honest) => {
      // The exact value is the guarantee; the Monte-Carlo (fixed seed) must agree with it and clear the bar too.
      const result = simulateCheater({ cheatRate, honestFirst: honest }, { trials: 20_000, seed: 2026 });
      expect(result.caughtAnalytic).toBeGreaterThanOrEqual(catchProbability);
      expectAgreement(result.caught, result.caughtAnalytic, 20_000);
      expect(result.caught).toBeGreaterThanOrEqual(catchProbability);
    },
  );

  it(`spends at most ${redundantWork * 100}% of all rendered pixels on checks`, () => {
    const work = honestWork();
    expect(work.firstTiles).toBeLessThanOrEqual(redundantWork);
    expect(work.steady).toBeLessThanOrEqual(redundantWork);
    // The arithmetic of docs/verification.md: 0.28 x 0.2 = 0.056 of a tile per tile, 0.056 / 1.056 of all pixels.
    expect(work.steady).toBeCloseTo(0.056 / 1.056, 12);
    expect(work.firstTiles).toBeCloseTo((63.2 * 0.2) / (200 + 63.2 * 0.2), 12);
  });

  it('would miss the target with whole-tile checks (cost) or with the BOINC floor of 0.1 (detection)', () => {
    expect(honestWork({ policy: checkPolicy({ patchArea: 1 }) }).steady).toBeGreaterThan(0.2);
    expect(analyticCatch({ cheatRate, honestFirst }, { policy: checkPolicy({ qFloor: 0.1 }) }).caught).toBeLessThan(0.9);
  });

  it('pays the per-render start-up cost once per patch', () => {
    const options = { policy: DEFAULT_CHECK_POLICY, tilePixels: 65_536, startupPixels: 6_554 };
    expect(checkCost('patches', options)).toBeCloseTo(0.2 + 3 * 0.1, 4);
    expect(checkCost('whole-tile', options)).toBeCloseTo(1.1, 4);
  });
});

describe(simulationTable.name, () => {
  it('runs every combination of the grid and prints it as an aligned table with a legend', () => {
    const grid = { cheatRates: [0.1, 0.5], honestFirst: [0, 30], qFloors: [0.28], patchAreas: [0.2, 1] };
    const rows = simulationTable(grid, { trials: 300 });
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => [r.cheatRate, r.honestFirst, r.patchArea])).toContainEqual([0.5, 30, 1]);
    const text = formatSimulationTable(rows);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^cheat f\s+honest H\s+floor\s+check\s+caught \(MC\)/);
    expect(lines[0]).not.toContain('start-up');
    expect(new Set(lines.slice(0, 10).map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toMatch(/^\s*10%\s+0\s+0\.28\s+3 x 6\.7%/);
    expect(text).toContain('N = 200 tiles');
  });

  it('shows start-up and detect columns when a row sets them', () => {
    const grid = { ...DOC_SIMULATION_GRIDS.startup, startupPixels: [1638], detects: [0.5] };
    const text = formatSimulationTable(simulationTable(grid, { trials: 100 }));
    expect(text.split('\n')[0]).toMatch(/start-up px\s+detect/);
  });
});

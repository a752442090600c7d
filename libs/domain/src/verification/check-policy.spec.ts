import fc from 'fast-check';
import { InvariantViolationError } from '../errors';
import {
  checkPolicy,
  checkProbability,
  decideCheck,
  DEFAULT_CHECK_POLICY,
  NEW_REPUTATION,
  recordOutcome,
  reputationKeyOf,
  validateCheckPolicy,
  type CheckPolicy,
  type VerificationOutcome,
  type Reputation,
} from './check-policy';
import { SeededRandom, type RandomSource } from './random-source';
import { DEFAULT_PROBATION, DEFAULT_Q_FLOOR } from './thresholds';
import { VerificationPolicyError } from './verification-error';

/** A source that returns the given draws in order, for decisions that must come out a known way. */
function sequence(...values: number[]): RandomSource {
  let i = 0;
  return {
    next: () => {
      if (i >= values.length) throw new Error('sequence: out of draws');
      return values[i++];
    },
  };
}

const streak = (n: number): Reputation => ({ consecutiveValid: n, validResults: n, invalidResults: 0 });
const record = (outcomes: VerificationOutcome[], from = NEW_REPUTATION) => outcomes.reduce(recordOutcome, from);

describe('checkProbability', () => {
  it(`checks every result during probation (${DEFAULT_PROBATION} results)`, () => {
    for (let n = 0; n < DEFAULT_PROBATION; n++) expect(checkProbability(streak(n), DEFAULT_CHECK_POLICY)).toBe(1);
  });

  it('falls to the floor right after probation with the default floor (1/10 is below 0.28)', () => {
    expect(checkProbability(streak(DEFAULT_PROBATION), DEFAULT_CHECK_POLICY)).toBe(DEFAULT_Q_FLOOR);
    expect(checkProbability(streak(1_000_000), DEFAULT_CHECK_POLICY)).toBe(DEFAULT_Q_FLOOR);
  });

  it('decays as 1/streak above a low floor, then holds the floor', () => {
    const policy = checkPolicy({ qFloor: 0.01 });
    expect(checkProbability(streak(10), policy)).toBeCloseTo(0.1, 12);
    expect(checkProbability(streak(20), policy)).toBeCloseTo(0.05, 12);
    expect(checkProbability(streak(100), policy)).toBeCloseTo(0.01, 12);
    expect(checkProbability(streak(5000), policy)).toBe(0.01);
  });

  it('checks a streak of 0 even without probation, and follows 1/streak from 1', () => {
    const policy = checkPolicy({ probation: 0, qFloor: 0.05 });
    expect(checkProbability(streak(0), policy)).toBe(1);
    expect(checkProbability(streak(1), policy)).toBe(1);
    expect(checkProbability(streak(4), policy)).toBe(0.25);
  });

  it('goes back to probation after a failure, however long the streak was', () => {
    const trusted = record(new Array<VerificationOutcome>(500).fill('valid'));
    expect(checkProbability(trusted, DEFAULT_CHECK_POLICY)).toBe(DEFAULT_Q_FLOOR);
    const failed = recordOutcome(trusted, 'invalid');
    expect(checkProbability(failed, DEFAULT_CHECK_POLICY)).toBe(1);
    const nine = record(new Array<VerificationOutcome>(DEFAULT_PROBATION - 1).fill('valid'), failed);
    expect(checkProbability(nine, DEFAULT_CHECK_POLICY)).toBe(1);
    expect(checkProbability(recordOutcome(nine, 'valid'), DEFAULT_CHECK_POLICY)).toBe(DEFAULT_Q_FLOOR);
  });

  it('stays in [floor, 1] and is 1 exactly on probation, for any history and policy', () => {
    const policy = fc.record({
      probation: fc.integer({ min: 0, max: 30 }),
      qFloor: fc.double({ min: 0.001, max: 1, noNaN: true }),
      patches: fc.constant(3),
      patchArea: fc.constant(0.2),
      wholeTileShare: fc.constant(0),
    });
    const history = fc.array(fc.constantFrom<VerificationOutcome>('valid', 'valid', 'valid', 'invalid'), { maxLength: 200 });
    fc.assert(
      fc.property(policy, history, (p: CheckPolicy, outcomes) => {
        const reputation = record(outcomes);
        const q = checkProbability(reputation, p);
        const onProbation = reputation.consecutiveValid < p.probation || reputation.consecutiveValid === 0;
        return q <= 1 && q >= p.qFloor && (onProbation ? q === 1 : q === Math.max(p.qFloor, 1 / reputation.consecutiveValid));
      }),
    );
  });

  it('refuses a corrupt reputation', () => {
    expect(() => checkProbability(streak(-1), DEFAULT_CHECK_POLICY)).toThrow(InvariantViolationError);
    expect(() => checkProbability(streak(1.5), DEFAULT_CHECK_POLICY)).toThrow(InvariantViolationError);
  });
});

describe('decideCheck', () => {
  const trusted = streak(100);

  it('checks when the draw falls below q, and not at q or above', () => {
    expect(decideCheck(trusted, DEFAULT_CHECK_POLICY, sequence(0.2799))).toEqual({ check: true, probability: 0.28, kind: 'patches' });
    expect(decideCheck(trusted, DEFAULT_CHECK_POLICY, sequence(0.28))).toEqual({ check: false, probability: 0.28 });
  });

  it('checks every result on probation, whatever the draw', () => {
    expect(decideCheck(NEW_REPUTATION, DEFAULT_CHECK_POLICY, sequence(0.999999)).check).toBe(true);
  });

  it('makes every check a whole-tile check when the patch area is the whole tile', () => {
    expect(decideCheck(trusted, checkPolicy({ patchArea: 1 }), sequence(0))).toMatchObject({ kind: 'whole-tile' });
  });

  it('mixes kinds with a second draw when asked to', () => {
    const policy = checkPolicy({ wholeTileShare: 0.25 });
    expect(decideCheck(trusted, policy, sequence(0, 0.2))).toMatchObject({ kind: 'whole-tile' });
    expect(decideCheck(trusted, policy, sequence(0, 0.3))).toMatchObject({ kind: 'patches' });
  });

  it('checks a fraction q of a trusted worker’s results', () => {
    const random = new SeededRandom(11);
    let checks = 0;
    for (let i = 0; i < 50_000; i++) if (decideCheck(trusted, DEFAULT_CHECK_POLICY, random).check) checks++;
    // Standard deviation of the rate: sqrt(0.28 * 0.72 / 50,000) = 0.002.
    expect(Math.abs(checks / 50_000 - DEFAULT_Q_FLOOR)).toBeLessThan(0.01);
  });

  it('stops on a broken random source instead of silently never checking', () => {
    expect(() => decideCheck(trusted, DEFAULT_CHECK_POLICY, { next: () => 1 })).toThrow(InvariantViolationError);
  });
});

describe('recordOutcome', () => {
  it('counts a valid result into the streak and the totals, without touching the old record', () => {
    const before = streak(4);
    const after = recordOutcome(before, 'valid');
    expect(after).toEqual({ consecutiveValid: 5, validResults: 5, invalidResults: 0 });
    expect(before).toEqual(streak(4));
    expect(Object.isFrozen(after)).toBe(true);
  });

  it('restarts the streak on an invalid result and keeps the totals', () => {
    expect(recordOutcome(streak(40), 'invalid')).toEqual({ consecutiveValid: 0, validResults: 40, invalidResults: 1 });
  });

  it('refuses an outcome it does not know', () => {
    expect(() => recordOutcome(NEW_REPUTATION, 'maybe' as VerificationOutcome)).toThrow(InvariantViolationError);
  });
});

describe('checkPolicy', () => {
  it('fills in the defaults and freezes the result', () => {
    const policy = checkPolicy({ qFloor: 0.3 });
    expect(policy).toEqual({ ...DEFAULT_CHECK_POLICY, qFloor: 0.3 });
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it.each([
    ['qFloor', { qFloor: 0 }],
    ['qFloor', { qFloor: 1.5 }],
    ['qFloor', { qFloor: Number.NaN }],
    ['patchArea', { patchArea: 0 }],
    ['patchArea', { patchArea: 2 }],
    ['probation', { probation: -1 }],
    ['probation', { probation: 2.5 }],
    ['patches', { patches: 0 }],
    ['wholeTileShare', { wholeTileShare: -0.1 }],
  ])('names %s when it is wrong (%j)', (field, overrides) => {
    const attempt = () => checkPolicy(overrides);
    expect(attempt).toThrow(VerificationPolicyError);
    expect(attempt).toThrow(new RegExp(`^${field}: `));
    expect(() => validateCheckPolicy({ ...DEFAULT_CHECK_POLICY, ...overrides })).toThrow(VerificationPolicyError);
  });
});

describe('reputationKeyOf', () => {
  it('keeps keys apart even when a field contains what another would use as a separator', () => {
    const a = reputationKeyOf({ workerId: 'w|4.2', rendererVersion: 'cpu', deviceClass: '' });
    const b = reputationKeyOf({ workerId: 'w', rendererVersion: '4.2|cpu', deviceClass: '' });
    expect(a).not.toBe(b);
    expect(reputationKeyOf({ workerId: 'w', rendererVersion: '4.2', deviceClass: 'cpu' })).toBe('["w","4.2","cpu"]');
  });
});

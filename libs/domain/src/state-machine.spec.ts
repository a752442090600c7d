import { IllegalTransitionError, InvariantViolationError } from './errors';
import {
  ATTEMPT_EVENTS,
  ATTEMPT_STATES,
  attemptTransition,
  deriveJobOutcome,
  FRAME_EVENTS,
  FRAME_STATES,
  frameTransition,
  isTerminal,
  isTileOpen,
  JOB_EVENTS,
  JOB_STATES,
  jobTransition,
  TILE_EVENT_TYPES,
  TILE_STATES,
  tileTransition,
  type TileEvent,
  type TileState,
} from './state-machine';

/**
 * Each table lists every legal transition as `from event -> to`. The exhaustive tests then try every
 * (state, event) pair: listed pairs must give the listed state, all others must throw.
 */
const JOB_TABLE: Record<string, string> = {
  'queued start': 'running',
  'queued fail': 'failed',
  'queued cancel': 'cancelled',
  'running complete': 'completed',
  'running fail': 'failed',
  'running cancel': 'cancelled',
};

const FRAME_TABLE: Record<string, string> = {
  'pending startStitch': 'stitching',
  'pending cancel': 'cancelled',
  'stitching stitched': 'done',
  'stitching stitchFailed': 'pending',
  'stitching cancel': 'cancelled',
  'done reopen': 'pending',
};

const TILE_TABLE: Record<string, string> = {
  'pending lease': 'leased',
  'pending cancel': 'cancelled',
  'leased accept': 'accepted',
  'leased fail+retry': 'pending',
  'leased fail': 'failed',
  'leased expire': 'pending',
  'leased release': 'pending',
  'leased cancel': 'cancelled',
  'accepted reject': 'pending',
};

const ATTEMPT_TABLE: Record<string, string> = {
  'active succeed': 'succeeded',
  'active fail': 'failed',
  'active expire': 'expired',
  'active abort': 'aborted',
  'active release': 'released',
};

const TILE_EVENTS: Array<[string, TileEvent]> = [
  ...TILE_EVENT_TYPES.filter((type) => type !== 'fail').map((type) => [type, { type }] as [string, TileEvent]),
  ['fail+retry', { type: 'fail', retriesLeft: true }],
  ['fail', { type: 'fail', retriesLeft: false }],
];

function pairs<S extends string, E>(states: readonly S[], events: ReadonlyArray<[string, E]>) {
  return states.flatMap((state) => events.map(([name, event]) => [state, name, event] as [S, string, E]));
}

const named = <E extends string>(events: readonly E[]) => events.map((e) => [e, e] as [string, E]);

describe('state machine', () => {
  describe.each([
    ['job', JOB_STATES, named(JOB_EVENTS), JOB_TABLE, jobTransition],
    ['frame', FRAME_STATES, named(FRAME_EVENTS), FRAME_TABLE, frameTransition],
    ['tile', TILE_STATES, TILE_EVENTS, TILE_TABLE, tileTransition],
    ['attempt', ATTEMPT_STATES, named(ATTEMPT_EVENTS), ATTEMPT_TABLE, attemptTransition],
  ] as const)('%s', (entity, states, events, table, transition) => {
    const all = pairs(states as readonly string[], events as ReadonlyArray<[string, unknown]>);
    const apply = transition as (from: string, event: unknown) => string;

    it.each(all.filter(([from, name]) => `${from} ${name}` in table))('%s --%s-->', (from, name, event) => {
      expect(apply(from, event)).toBe(table[`${from} ${name}`]);
    });

    it.each(all.filter(([from, name]) => !(`${from} ${name}` in table)))('refuses %s --%s-->', (from, name, event) => {
      let error: unknown;
      try {
        apply(from, event);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IllegalTransitionError);
      const eventName = name.replace('+retry', '');
      expect(error).toMatchObject({ entity, from, event: eventName, code: 'illegal_transition' });
      expect((error as Error).message).toBe(`illegal ${entity} transition: ${eventName} from ${from}`);
    });

    it('lists only real states in its table', () => {
      for (const [key, to] of Object.entries(table)) {
        expect(states).toContain(key.split(' ')[0]);
        expect(states).toContain(to);
      }
    });
  });

  it('rejects an event that is not one (a value from the wire bypassing the types)', () => {
    expect(() => jobTransition('queued', 'pause' as never)).toThrow(InvariantViolationError);
    expect(() => tileTransition('leased', { type: 'steal' } as never)).toThrow('tile: unknown event "steal"');
  });

  it('marks completed, failed and cancelled jobs terminal, and nothing leaves them', () => {
    expect(JOB_STATES.filter(isTerminal)).toEqual(['completed', 'failed', 'cancelled']);
    for (const state of JOB_STATES.filter(isTerminal)) {
      for (const event of JOB_EVENTS) expect(() => jobTransition(state, event)).toThrow(IllegalTransitionError);
    }
  });

  it('calls open exactly the tiles a cancellation can cancel', () => {
    const cancellable = TILE_STATES.filter((s: TileState) => {
      try {
        tileTransition(s, { type: 'cancel' });
        return true;
      } catch {
        return false;
      }
    });
    expect(TILE_STATES.filter(isTileOpen)).toEqual(cancellable);
  });
});

describe('deriveJobOutcome', () => {
  const tiles = (counts: Partial<Record<TileState, number>>) => ({
    pending: 0,
    leased: 0,
    accepted: 0,
    failed: 0,
    cancelled: 0,
    ...counts,
  });

  it('is running while frames remain', () => {
    expect(deriveJobOutcome({ tiles: tiles({ pending: 3, leased: 2, accepted: 5 }), framesDone: 1, framesTotal: 3 })).toBe('running');
  });

  it('is completed when every frame is done', () => {
    expect(deriveJobOutcome({ tiles: tiles({ accepted: 12 }), framesDone: 3, framesTotal: 3 })).toBe('completed');
  });

  it('is failed as soon as one tile failed, even with other work left', () => {
    expect(deriveJobOutcome({ tiles: tiles({ failed: 1, pending: 9 }), framesDone: 0, framesTotal: 3 })).toBe('failed');
  });

  it('is running for a job with no frames planned yet', () => {
    expect(deriveJobOutcome({ tiles: tiles({}), framesDone: 0, framesTotal: 0 })).toBe('running');
  });

  it.each([
    [{ tiles: tiles({ pending: -1 }), framesDone: 0, framesTotal: 1 }, 'tile count for pending must be a non-negative integer'],
    [{ tiles: { pending: 1 } as never, framesDone: 0, framesTotal: 1 }, 'tile count for leased, accepted, failed, cancelled'],
    [{ tiles: tiles({}), framesDone: 4, framesTotal: 3 }, '4 of 3 frames done is impossible'],
  ])('rejects impossible counts %#', (counts, message) => {
    expect(() => deriveJobOutcome(counts)).toThrow(InvariantViolationError);
    expect(() => deriveJobOutcome(counts)).toThrow(message);
  });
});

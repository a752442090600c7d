import {
  CoverageError,
  DomainError,
  FrameSpecError,
  IllegalTransitionError,
  InvariantViolationError,
  TilingError,
} from './errors';

describe('domain errors', () => {
  it.each([
    [new TilingError('x'), 'TilingError', 'invalid_tiling'],
    [new CoverageError('x', { kind: 'invalid-frame' }), 'CoverageError', 'invalid_coverage'],
    [new FrameSpecError('x'), 'FrameSpecError', 'invalid_frames'],
    [new IllegalTransitionError('tile', 'pending', 'accept'), 'IllegalTransitionError', 'illegal_transition'],
    [new InvariantViolationError('x'), 'InvariantViolationError', 'invariant_violation'],
  ])('%s is a DomainError with its own name and a stable code', (error, name, code) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('keeps a cause', () => {
    const cause = new Error('root');
    expect(new TilingError('outer', { cause }).cause).toBe(cause);
  });
});

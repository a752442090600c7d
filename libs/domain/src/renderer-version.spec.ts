import { parseVersionRange, satisfiesVersion, VersionRangeError } from './renderer-version';

describe('renderer version ranges', () => {
  it.each([
    ['Blender 3.4.1', '>=3.4', true],
    ['Blender 3.4.1', '>=3.6', false],
    ['Blender 4.2.0', '^4.0', true],
    ['3.7.0.10', '3.7.x', true],
    ['builtin-1.0.0', '1.x', true],
    ['Blender 3.4.1', '3.4 - 3.6', true],
    ['no version here', '>=1', false],
  ])('%s satisfies %s: %s', (reported, range, expected) => {
    expect(satisfiesVersion(reported, range)).toBe(expected);
  });

  it('no range: any version', () => {
    expect(satisfiesVersion('anything', null)).toBe(true);
  });

  it.each(['new', '>=three', '3.4 <<'])('refuses %j with a message', (range) => {
    expect(() => parseVersionRange(range)).toThrow(VersionRangeError);
    expect(() => parseVersionRange(range)).toThrow('is not a version range such as');
  });
});

import fc from 'fast-check';
import { FrameSpecError } from './errors';
import { formatFrameSpec, MAX_FRAMES_PER_JOB, parseFrameSpec } from './frame-spec';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('parseFrameSpec', () => {
  it.each([
    ['7', [7]],
    ['1-24', range(1, 24)],
    ['1,5,9-12', [1, 5, 9, 10, 11, 12]],
    [' 1 , 5 , 9 - 12 ', [1, 5, 9, 10, 11, 12]],
    ['12,3,1-2', [1, 2, 3, 12]],
    ['1-10,5,8-12', range(1, 12)],
    ['3-3', [3]],
    ['0', [0]],
    ['-5--3', [-5, -4, -3]],
    ['-2-1', [-2, -1, 0, 1]],
    ['007', [7]],
  ])('reads %j', (spec, frames) => {
    expect(parseFrameSpec(spec)).toEqual(frames);
  });

  it.each([
    ['', 'frames: empty; expected a frame list such as "1-24" or "1,5,9-12"'],
    ['   ', 'frames: empty; expected a frame list such as "1-24" or "1,5,9-12"'],
    ['9-3', 'frames: "9-3" is a descending range'],
    ['1,,3', 'frames: item 2 is empty (two commas in a row, or a comma at an end)'],
    ['1,2,', 'frames: item 3 is empty (two commas in a row, or a comma at an end)'],
    ['a-b', 'frames: "a-b" is not a frame or a range (expected e.g. "7" or "1-24")'],
    ['1-2-3', 'frames: "1-2-3" is not a frame or a range (expected e.g. "7" or "1-24")'],
    ['1.5', 'frames: "1.5" is not a frame or a range (expected e.g. "7" or "1-24")'],
    ['1-', 'frames: "1-" is not a frame or a range (expected e.g. "7" or "1-24")'],
    ['1 2', 'frames: "1 2" is not a frame or a range (expected e.g. "7" or "1-24")'],
    ['99999999999999999999', 'frames: "99999999999999999999" holds a number too large for a frame'],
    ['1-10001', 'frames: "1-10001" selects 10001 frames; a job may have at most 10000'],
    ['1-999999999999', 'frames: "1-999999999999" selects 999999999999 frames; a job may have at most 10000'],
  ])('rejects %j', (spec, message) => {
    expect(() => parseFrameSpec(spec)).toThrow(new FrameSpecError(message));
  });

  it('allows exactly the cap, counting overlapping items once', () => {
    expect(parseFrameSpec(`1-${MAX_FRAMES_PER_JOB}`)).toHaveLength(MAX_FRAMES_PER_JOB);
    expect(parseFrameSpec('1-6000,4001-10000')).toHaveLength(10_000);
    expect(() => parseFrameSpec('1-20', undefined, { maxFrames: 10 })).toThrow('selects 20 frames; a job may have at most 10');
  });

  describe("against the scene's range", () => {
    const scene = { min: 1, max: 24 };

    it('accepts frames inside it', () => {
      expect(parseFrameSpec('1,24', scene)).toEqual([1, 24]);
      expect(parseFrameSpec('1-24', scene)).toHaveLength(24);
    });

    it.each([
      ['30', "frames: 30 is outside the scene's range 1-24"],
      ['0', "frames: 0 is outside the scene's range 1-24"],
      ['20-30', `frames: 30 (in "20-30") is outside the scene's range 1-24`],
      ['-3-5', `frames: -3 (in "-3-5") is outside the scene's range 1-24`],
      ['5,25', "frames: 25 is outside the scene's range 1-24"],
    ])('rejects %j', (spec, message) => {
      expect(() => parseFrameSpec(spec, scene)).toThrow(new FrameSpecError(message));
    });

    it("names a still's single frame", () => {
      expect(() => parseFrameSpec('2', { min: 1, max: 1 })).toThrow("frames: 2 is outside the scene's frame 1");
    });

    it('rejects bounds that are not a range', () => {
      expect(() => parseFrameSpec('1', { min: 5, max: 1 })).toThrow("frames: the scene's range 5-1 is not a valid frame range");
    });
  });
});

describe('formatFrameSpec', () => {
  it.each([
    [[], ''],
    [[7], '7'],
    [range(1, 24), '1-24'],
    [[1, 5, 9, 10, 11, 12], '1,5,9-12'],
    [[3, 4], '3,4'],
    [[12, 1, 3, 2, 2], '1-3,12'],
    [[-5, -4, -3, 0], '-5--3,0'],
  ])('writes %j as %j', (frames, spec) => {
    expect(formatFrameSpec(frames)).toBe(spec);
  });

  it('rejects a frame that is not an integer', () => {
    expect(() => formatFrameSpec([1.5])).toThrow(new FrameSpecError('frames: 1.5 is not a whole frame number'));
  });

  it('round-trips through parseFrameSpec', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 500 }), { minLength: 1, maxLength: 200 }), (frames) => {
        const sorted = [...new Set(frames)].sort((a, b) => a - b);
        expect(parseFrameSpec(formatFrameSpec(frames))).toEqual(sorted);
      }),
    );
  });
});

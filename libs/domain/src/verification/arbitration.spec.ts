import fc from 'fast-check';
import { arbitrate } from './arbitration';
import { comparisonMode } from './comparison-mode';

describe('arbitrate', () => {
  it('verifies the original when the check agrees, whatever a third render says', () => {
    expect(arbitrate('h1', 'h1')).toEqual({ verdict: 'agreed' });
    expect(arbitrate('h1', 'h1', 'h2')).toEqual({ verdict: 'agreed' });
  });

  it('asks for a third render before blaming anyone', () => {
    expect(arbitrate('h1', 'h2')).toEqual({ verdict: 'needs-third' });
  });

  it('sides with the two that agree', () => {
    expect(arbitrate('fake', 'real', 'real')).toEqual({ verdict: 'original-invalid' });
    expect(arbitrate('real', 'fake', 'real')).toEqual({ verdict: 'check-invalid' });
  });

  it('blames nobody when all three differ', () => {
    expect(arbitrate('a', 'b', 'c')).toEqual({ verdict: 'inconclusive' });
  });

  it('blames nobody when a tolerance lets the third match both', () => {
    // Values 0, 2 and 1 with a tolerance of 1: 0 ~ 1 and 1 ~ 2, but not 0 ~ 2.
    const near = (a: number, b: number) => Math.abs(a - b) <= 1;
    expect(arbitrate(0, 2, 1, near)).toEqual({ verdict: 'inconclusive' });
    expect(arbitrate(0, 5, 0.5, near)).toEqual({ verdict: 'check-invalid' });
  });

  it('never penalises an honest render when two of the three are honest', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom(0, 1, 2), (truth, fake, liar) => {
        fc.pre(truth !== fake);
        const renders = [truth, truth, truth];
        renders[liar] = fake;
        // A lying original or check is outvoted; a lying third is never asked, since the first two agree.
        const expected = ['original-invalid', 'check-invalid', 'agreed'][liar];
        expect(arbitrate(renders[0], renders[1], renders[2]).verdict).toBe(expected);
      }),
    );
  });
});

describe('comparisonMode', () => {
  it.each([
    ['builtin', false, false, 'exact'],
    ['povray', false, false, 'exact'],
    ['blender', true, true, 'exact'],
    ['blender', false, true, 'tolerance'],
    ['blender', true, false, 'tolerance'],
  ] as const)('%s, same region %s, same device class %s: %s', (renderer, sameRegion, sameDeviceClass, mode) => {
    expect(comparisonMode({ renderer, sameRegion, sameDeviceClass })).toBe(mode);
  });
});

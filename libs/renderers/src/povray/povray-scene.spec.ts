import { planTiles } from '@tessera/domain';
import { SceneError } from '../renderer';
import { antialiasArgs, applyIni, frameArgs, POVRAY_DEFAULT_HEIGHT, POVRAY_DEFAULT_WIDTH, subsetArgs, type PovraySettings } from './povray-scene';

const base: PovraySettings = { width: POVRAY_DEFAULT_WIDTH, height: POVRAY_DEFAULT_HEIGHT, animation: null, ini: null, notes: [] };

describe(applyIni.name, () => {
  it('reads resolution and animation, and notes what it ignores', () => {
    const settings = applyIni(base, '; comment\nWidth=640\nHeight = 360 ; trailing\nInitial_Frame=1\nFinal_Frame=24\nAntialias=On\nCyclic_Animation=on\n[alt]\nWidth=1\n', 'orbit.ini');
    expect(settings).toMatchObject({ width: 640, height: 360, ini: 'orbit.ini' });
    expect(settings.animation).toEqual({ initialFrame: 1, finalFrame: 24, initialClock: 0, finalClock: 1, cyclic: true });
    expect(settings.notes).toEqual([
      'orbit.ini: ignored Antialias=On (Tessera sets quality, output and file I/O itself)',
      'orbit.ini: ignored sections from [alt] (Tessera sets quality, output and file I/O itself)',
    ]);
  });

  it('names the line of a bad value', () => {
    expect(() => applyIni(base, 'Width=wide\n', 'a.ini')).toThrow(new SceneError('a.ini line 1: width = "wide" is not a valid value'));
    expect(() => applyIni(base, 'Initial_Frame=5\nFinal_Frame=2\n', 'a.ini')).toThrow(new SceneError('a.ini: Final_Frame 2 is before Initial_Frame 5'));
  });
});

describe(frameArgs.name, () => {
  it('runs the clock for animations and refuses frames outside them; a still has no clock', () => {
    const settings = applyIni(base, 'Initial_Frame=1\nFinal_Frame=24\nInitial_Clock=2\nFinal_Clock=4\n', 'a.ini');
    expect(frameArgs(settings, 5)).toEqual(['+KFI1', '+KFF24', '+KI2', '+KF4', '-KC', '+SF5', '+EF5']);
    expect(() => frameArgs(settings, 0)).toThrow(RangeError);
    expect(frameArgs(base, 7)).toEqual([]);
  });
});

describe(antialiasArgs.name, () => {
  it('maps samples to a fixed antialiasing depth, never jittered', () => {
    expect(antialiasArgs(1)).toEqual(['-A', '-J']);
    expect(antialiasArgs(9)).toEqual(['+A0.3', '+AM1', '+R3', '-J']);
    expect(antialiasArgs(10)).toEqual(['+A0.3', '+AM1', '+R4', '-J']);
    expect(antialiasArgs(10_000)).toEqual(['+A0.3', '+AM1', '+R9', '-J']);
  });
});

describe(subsetArgs.name, () => {
  it('widens the region to whole 32-pixel blocks, counting from 1', () => {
    expect(subsetArgs({ x: 211, y: 97, width: 213, height: 131 }, 640, 360)).toEqual({
      args: ['+SC193', '+EC448', '+SR97', '+ER256', '+BS32'],
      rendered: { x: 192, y: 96, width: 256, height: 160 },
    });
    expect(subsetArgs({ x: 600, y: 350, width: 40, height: 10 }, 640, 360).rendered).toEqual({ x: 576, y: 320, width: 64, height: 40 });
  });

  it('always contains the region and never ends at 1 unless the frame is 1 pixel wide', () => {
    for (const [w, h] of [[1, 1], [2, 3], [33, 65], [97, 61], [640, 360]]) {
      for (const region of planTiles(w, h, Math.min(w, 5), Math.min(h, 4))) {
        const { args, rendered } = subsetArgs(region, w, h);
        expect(rendered.x <= region.x && rendered.x + rendered.width >= region.x + region.width).toBe(true);
        expect(rendered.y <= region.y && rendered.y + rendered.height >= region.y + region.height).toBe(true);
        if (w > 1) expect(args[1]).not.toBe('+EC1');
        if (h > 1) expect(args[3]).not.toBe('+ER1');
      }
    }
  });
});

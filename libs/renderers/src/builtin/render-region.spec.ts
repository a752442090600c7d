import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRegion, toPixels, type RenderRegionOptions } from './render-region';
import { parseScene } from './scene.parser';
import type { Scene } from './scene.schema';

const examples = join(__dirname, '../../../../examples');
const still = parseScene(readFileSync(join(examples, 'still.scene.json'), 'utf8'));
const orbit = parseScene(readFileSync(join(examples, 'orbit.scene.json'), 'utf8'));

type Frame = Omit<RenderRegionOptions, 'region'>;

function full(scene: Scene, frame: Frame): Float32Array {
  return renderRegion(scene, { ...frame, region: { x: 0, y: 0, width: frame.width, height: frame.height } });
}

/** Renders the frame tile by tile (tiles of tw x th, the last row and column smaller) and stitches it. */
function tiled(scene: Scene, frame: Frame, tw: number, th: number, reverse = false): Float32Array {
  const out = new Float32Array(frame.width * frame.height * 3);
  const tiles: Array<[number, number]> = [];
  for (let y = 0; y < frame.height; y += th) for (let x = 0; x < frame.width; x += tw) tiles.push([x, y]);
  if (reverse) tiles.reverse();
  for (const [x, y] of tiles) {
    const region = { x, y, width: Math.min(tw, frame.width - x), height: Math.min(th, frame.height - y) };
    const tile = renderRegion(scene, { ...frame, region });
    for (let row = 0; row < region.height; row++) {
      out.set(tile.subarray(row * region.width * 3, (row + 1) * region.width * 3), ((y + row) * frame.width + x) * 3);
    }
  }
  return out;
}

/** Bit-for-bit comparison through the raw float bits (NaN-safe, and -0 differs from 0). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('renderRegion', () => {
  const prime: Frame = { width: 37, height: 23, frame: 1, samples: 2, seed: 7 };
  const reference = full(still, prime);

  it('returns linear RGB of the region, finite and non-negative, with a lit picture', () => {
    expect(reference).toHaveLength(37 * 23 * 3);
    expect(reference.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    const mean = reference.reduce((s, v) => s + v, 0) / reference.length;
    expect(mean).toBeGreaterThan(0.1);
    expect(mean).toBeLessThan(2);
  });

  describe('a tile is exactly the same region of the full frame', () => {
    it.each([
      ['8x8 tiles', 8, 8, false],
      ['5x7 tiles in reverse order', 5, 7, true],
      ['whole rows', 37, 1, false],
      ['one column strip of 36 and one of 1', 36, 23, false],
    ])('%s', (_name, tw, th, reverse) => {
      expect(sameBits(tiled(still, prime, tw, th, reverse), reference)).toBe(true);
    });

    it('1x1 tiles', () => {
      const small: Frame = { width: 13, height: 11, frame: 1, samples: 2, seed: 3 };
      expect(sameBits(tiled(still, small, 1, 1), full(still, small))).toBe(true);
    });

    it('on an animated frame with a mesh, moving objects and a keyframed camera', () => {
      const frame: Frame = { width: 41, height: 29, frame: 8, samples: 1, seed: 99 };
      expect(sameBits(tiled(orbit, frame, 9, 6, true), full(orbit, frame))).toBe(true);
    });

    it('with a thin-lens camera (depth of field)', () => {
      const lens = { ...still, camera: { ...still.camera, aperture: 0.3, focusDistance: 4 } };
      const frame: Frame = { width: 19, height: 14, frame: 1, samples: 2, seed: 4 };
      const blurred = full(lens, frame);
      expect(sameBits(tiled(lens, frame, 6, 5), blurred)).toBe(true);
      expect(sameBits(blurred, full(still, frame))).toBe(false);
    });

    it('for a region in the middle of the frame', () => {
      const region = { x: 11, y: 5, width: 3, height: 17 };
      const tile = renderRegion(still, { ...prime, region });
      for (let row = 0; row < region.height; row++) {
        const start = ((region.y + row) * prime.width + region.x) * 3;
        expect(sameBits(tile.subarray(row * 9, row * 9 + 9), reference.subarray(start, start + 9))).toBe(true);
      }
    });
  });

  it('renders the pinned picture of this renderer version', () => {
    // A change here changes what every worker renders: bump BUILTIN_RENDERER_VERSION with it.
    const pixels = toPixels(full(still, { width: 16, height: 12, frame: 1, samples: 2, seed: 1 }), 16);
    const digest = createHash('sha256').update(Buffer.from(pixels.buffer)).digest('hex');
    expect(digest).toBe('e183072753207c85d72c1f9f8ded8f267e3f63a03c04b5c2d91954bd25b2a9d0');
  });

  it('gives the same pixels for the same seed and different pixels for another', () => {
    expect(sameBits(full(still, prime), reference)).toBe(true);
    const other = full(still, { ...prime, seed: 8 });
    expect(sameBits(other, reference)).toBe(false);
    let differing = 0;
    for (let i = 0; i < other.length; i++) if (other[i] !== reference[i]) differing++;
    expect(differing / other.length).toBeGreaterThan(0.5);
  });

  it('renders different frames of an animation differently', () => {
    const a = full(orbit, { width: 16, height: 9, frame: 1, samples: 1, seed: 1 });
    const b = full(orbit, { width: 16, height: 9, frame: 13, samples: 1, seed: 1 });
    expect(sameBits(a, b)).toBe(false);
  });

  it('converges: more samples move the picture less', () => {
    const frame: Frame = { width: 12, height: 9, frame: 1, samples: 1, seed: 1 };
    const diff = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0);
    const lo1 = full(still, frame);
    const lo2 = full(still, { ...frame, seed: 2 });
    const hi1 = full(still, { ...frame, samples: 24 });
    const hi2 = full(still, { ...frame, samples: 24, seed: 2 });
    expect(diff(hi1, hi2)).toBeLessThan(diff(lo1, lo2) / 2);
  });

  it('rejects regions outside the frame and fractional settings', () => {
    const base = { width: 10, height: 10, frame: 1, samples: 1, seed: 1 };
    expect(() => renderRegion(still, { ...base, region: { x: 5, y: 0, width: 6, height: 1 } })).toThrow(
      new RangeError('region {"x":5,"y":0,"width":6,"height":1} is not inside the 10x10 frame'),
    );
    expect(() => renderRegion(still, { ...base, samples: 0.5, region: { x: 0, y: 0, width: 1, height: 1 } })).toThrow(RangeError);
    expect(() => renderRegion(still, { ...base, seed: 2 ** 60, region: { x: 0, y: 0, width: 1, height: 1 } })).toThrow(RangeError);
  });
});

describe('toPixels', () => {
  const linear = new Float32Array([0, 1, 0.5, NaN, -1, 7, 0.0031308, 0.18, 0.001]);

  it('clamps, sRGB-encodes and rounds to 8 bits', () => {
    expect(Array.from(toPixels(linear, 8))).toEqual([0, 255, 188, 0, 0, 255, 10, 118, 3]);
  });

  it('and to 16 bits', () => {
    const pixels = toPixels(linear, 16);
    expect(pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(pixels)).toEqual([0, 65535, 48192, 0, 0, 65535, 2651, 30235, 847]);
  });

  it('rejects other depths', () => {
    expect(() => toPixels(linear, 12 as 8)).toThrow(new RangeError('bitDepth must be 8 or 16, got 12'));
  });
});

import fc from 'fast-check';
import { planTiles } from '@tessera/domain';
import { blenderBorder, blenderPixelEdge, checkRegion, regionOfBorder } from './blender-border';

describe(blenderBorder.name, () => {
  it('measures y from the bottom', () => {
    // The top-left quarter of a 640x360 frame is Blender's x 0..320, y 180..360 (from the bottom).
    const border = blenderBorder({ x: 0, y: 0, width: 320, height: 180 }, 640, 360);
    expect(blenderPixelEdge(border.minY, 360)).toBe(180);
    expect(border.maxY).toBe(1);
    expect(regionOfBorder(border, 640, 360)).toEqual({ x: 0, y: 0, width: 320, height: 180 });
  });

  it('survives Blender\'s float32 round trip and truncation for every edge of many frame sizes', () => {
    const sizes = [...Array.from({ length: 300 }, (_, i) => i + 1), 640, 1080, 1920, 2160, 3840, 4096, 7680, 8192, 16384, 65535];
    for (const size of sizes) {
      for (let edge = 0; edge <= size; edge++) {
        const region = blenderBorder({ x: edge === size ? 0 : edge, y: 0, width: edge === size ? size : 1, height: 1 }, size, 1);
        const fraction = edge === size ? region.maxX : region.minX;
        if (blenderPixelEdge(fraction, size) !== edge) throw new Error(`size ${size}, edge ${edge}: Blender would compute ${blenderPixelEdge(fraction, size)}`);
      }
    }
  });

  it('maps every tile of a plan back to itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }), (w, h, c, r) => {
        fc.pre(c <= w && r <= h);
        for (const region of planTiles(w, h, c, r)) expect(regionOfBorder(blenderBorder(region, w, h), w, h)).toEqual(region);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses regions outside the frame or not made of integers', () => {
    expect(() => checkRegion({ x: 600, y: 0, width: 41, height: 1 }, 640, 360)).toThrow(RangeError);
    expect(() => checkRegion({ x: 0.5, y: 0, width: 1, height: 1 }, 640, 360)).toThrow(/must be integers/);
    expect(() => checkRegion({ x: 0, y: 0, width: 0, height: 1 }, 640, 360)).toThrow(/non-empty/);
  });
});

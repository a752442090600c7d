import type { Region } from '@tessera/contracts';

/** A Blender render border: fractions of the frame, x from the left, y **from the bottom**. */
export interface BlenderBorder {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/**
 * The border that makes Blender render exactly `region` (top-left origin, integer pixels) of a
 * `width` x `height` frame.
 *
 * Blender stores the border as single-precision floats and turns it back into pixels by truncation
 * (`disprect.xmin = border.xmin * winx` in render/pipeline.cc; Cycles does the same in its buffer
 * params). An exact fraction such as 211/640 can land a hair below 211 after the float32 round trip and
 * truncate to 210, so every edge is aimed at the middle of its pixel, (edge + 0.5) / size: float32 error
 * is about 1e-7 relative, far from the half pixel that would change the result. An edge at the frame's
 * far side is exactly 1, the top of Blender's range. y flips: Tessera's row `y` from the top is Blender's
 * row `height - y` from the bottom.
 */
export function blenderBorder(region: Region, width: number, height: number): BlenderBorder {
  checkRegion(region, width, height);
  const bottom = height - region.y - region.height;
  const top = height - region.y;
  return {
    minX: edge(region.x, width),
    maxX: edge(region.x + region.width, width),
    minY: edge(bottom, height),
    maxY: edge(top, height),
  };
}

/** The pixel edge Blender computes from a border value: float32, multiplied in float32, truncated. */
export function blenderPixelEdge(fraction: number, size: number): number {
  return Math.trunc(Math.fround(Math.fround(fraction) * size));
}

/** What Blender will render for a border: the region in Tessera's top-left convention. */
export function regionOfBorder(border: BlenderBorder, width: number, height: number): Region {
  const x0 = blenderPixelEdge(border.minX, width);
  const x1 = blenderPixelEdge(border.maxX, width);
  const bottom = blenderPixelEdge(border.minY, height);
  const top = blenderPixelEdge(border.maxY, height);
  return { x: x0, y: height - top, width: x1 - x0, height: top - bottom };
}

function edge(pixel: number, size: number): number {
  return pixel >= size ? 1 : (pixel + 0.5) / size;
}

/** Region and frame must be positive integers with the region inside the frame. */
export function checkRegion(region: Region, width: number, height: number): void {
  const ints = [region.x, region.y, region.width, region.height, width, height];
  if (!ints.every((n) => Number.isSafeInteger(n))) {
    throw new RangeError(`region and frame size must be integers: ${JSON.stringify({ region, width, height })}`);
  }
  if (width < 1 || height < 1) throw new RangeError(`frame size must be positive, got ${width}x${height}`);
  if (region.width < 1 || region.height < 1 || region.x < 0 || region.y < 0) {
    throw new RangeError(`region must be non-empty with a non-negative origin, got ${JSON.stringify(region)}`);
  }
  if (region.x + region.width > width || region.y + region.height > height) {
    throw new RangeError(`region ${JSON.stringify(region)} does not fit in the ${width}x${height} frame`);
  }
}

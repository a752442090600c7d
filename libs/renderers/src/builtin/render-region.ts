import type { Region } from '@tessera/contracts';
import { PathTracer } from './path-tracer';
import { sampleKey, seedKey } from './rng';
import { compileScene } from './scene.compiler';
import type { Scene } from './scene.schema';

export interface RenderRegionOptions {
  /** Full frame size in pixels; `region` is a rectangle of it. */
  width: number;
  height: number;
  frame: number;
  region: Region;
  samples: number;
  /** Any safe integer. */
  seed: number;
}

/**
 * Renders a rectangle of a frame to linear RGB: region.width * region.height * 3 floats, row-major from
 * the region's top-left. Every pixel depends only on the scene, the frame size, the frame number, its own
 * coordinates, the sample count and the seed, so tiles stitch into exactly the full-frame render.
 */
export function renderRegion(scene: Scene, options: RenderRegionOptions): Float32Array {
  checkRenderOptions(options);
  const { width, height, frame, region, samples, seed } = options;
  const tracer = new PathTracer(compileScene(scene, frame, width, height), width, height);
  const renderKey = seedKey(seed, frame);
  const out = new Float32Array(region.width * region.height * 3);
  const scale = tracer.scene.exposureScale / samples;
  let o = 0;
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let s = 0; s < samples; s++) {
        tracer.sample(sampleKey(renderKey, x, y, s), x, y);
        r += tracer.lr;
        g += tracer.lg;
        b += tracer.lb;
      }
      out[o++] = r * scale;
      out[o++] = g * scale;
      out[o++] = b * scale;
    }
  }
  return out;
}

/** Throws RangeError unless the options describe a non-empty region inside the frame, in integers. */
export function checkRenderOptions(o: RenderRegionOptions): void {
  const { width, height, region } = o;
  const ints: Array<[string, number]> = [
    ['width', width], ['height', height], ['frame', o.frame], ['samples', o.samples],
    ['region.x', region.x], ['region.y', region.y], ['region.width', region.width], ['region.height', region.height],
  ];
  for (const [name, value] of ints) {
    if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  }
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be a safe integer, got ${o.seed}`);
  if (width < 1 || height < 1 || o.samples < 1) throw new RangeError('width, height and samples must be >= 1');
  if (region.x < 0 || region.y < 0 || region.width < 1 || region.height < 1 ||
      region.x + region.width > width || region.y + region.height > height) {
    throw new RangeError(`region ${JSON.stringify(region)} is not inside the ${width}x${height} frame`);
  }
}

/**
 * Linear RGB to display pixels. The mapping is deliberately plain so that any client can reproduce it:
 * NaN and negative values become 0, values are clamped to [0, 1] (no tone curve: exposure is a scene
 * setting), encoded with the exact sRGB transfer function (IEC 61966-2-1), then quantised by rounding
 * half up to 0..255 or 0..65535. The same floats give the same integers on every machine.
 */
export type PixelBitDepth = 8 | 16;

export function toPixels(linear: Float32Array, bitDepth: 8): Uint8Array;
export function toPixels(linear: Float32Array, bitDepth: 16): Uint16Array;
export function toPixels(linear: Float32Array, bitDepth: PixelBitDepth): Uint8Array | Uint16Array;
export function toPixels(linear: Float32Array, bitDepth: PixelBitDepth): Uint8Array | Uint16Array {
  if (bitDepth !== 8 && bitDepth !== 16) throw new RangeError(`bitDepth must be 8 or 16, got ${String(bitDepth)}`);
  const max = bitDepth === 8 ? 255 : 65535;
  const out = bitDepth === 8 ? new Uint8Array(linear.length) : new Uint16Array(linear.length);
  for (let i = 0; i < linear.length; i++) out[i] = Math.floor(encodeSrgb(linear[i]) * max + 0.5);
  return out;
}

/** The sRGB transfer function of a linear value, after clamping it to [0, 1]. */
export function encodeSrgb(value: number): number {
  if (!(value > 0)) return 0; // also catches NaN
  if (value >= 1) return 1;
  return value <= 0.0031308 ? 12.92 * value : 1.055 * Math.pow(value, 1 / 2.4) - 0.055;
}

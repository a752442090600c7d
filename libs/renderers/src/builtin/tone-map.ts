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

import type { Vec3 } from './scene.schema';

/**
 * Keyframe interpolation shared by the camera and by object translations.
 *
 * Between two keyframes the value follows a cubic Hermite curve whose tangents are Catmull-Rom finite
 * differences measured in frames: m[k] = (p[k+1] - p[k-1]) / (f[k+1] - f[k-1]), and one-sided differences
 * at the first and last keyframe. The curve passes through every keyframe, is C1-smooth, and reproduces a
 * constant-speed motion when keyframes are evenly spaced on a line. Before the first keyframe and after the
 * last the value is held (clamped). Keyframe frames are strictly increasing (the parser checks).
 */
export interface Keyframe {
  frame: number;
  value: ReadonlyArray<number>;
}

export function interpolate(keys: ReadonlyArray<Keyframe>, frame: number): number[] {
  if (keys.length === 0) throw new RangeError('interpolate needs at least one keyframe');
  const last = keys.length - 1;
  if (frame <= keys[0].frame) return [...keys[0].value];
  if (frame >= keys[last].frame) return [...keys[last].value];
  let k = 0;
  while (keys[k + 1].frame <= frame) k++;
  if (keys[k].frame === frame) return [...keys[k].value];

  const a = keys[k];
  const b = keys[k + 1];
  const span = b.frame - a.frame;
  const s = (frame - a.frame) / span;
  const s2 = s * s;
  const s3 = s2 * s;
  const h00 = 2 * s3 - 3 * s2 + 1;
  const h10 = s3 - 2 * s2 + s;
  const h01 = -2 * s3 + 3 * s2;
  const h11 = s3 - s2;
  return a.value.map((_, i) => {
    const ta = tangent(keys, k, i);
    const tb = tangent(keys, k + 1, i);
    return h00 * a.value[i] + h10 * span * ta + h01 * b.value[i] + h11 * span * tb;
  });
}

function tangent(keys: ReadonlyArray<Keyframe>, k: number, i: number): number {
  const before = keys[Math.max(0, k - 1)];
  const after = keys[Math.min(keys.length - 1, k + 1)];
  return (after.value[i] - before.value[i]) / (after.frame - before.frame);
}

/** The translation of an object at a frame; zero when it has no keyframes. */
export function translationAt(keys: ReadonlyArray<{ frame: number; translate: Vec3 }>, frame: number): Vec3 {
  if (keys.length === 0) return [0, 0, 0];
  const [x, y, z] = interpolate(
    keys.map((key) => ({ frame: key.frame, value: key.translate })),
    frame,
  );
  return [x, y, z];
}

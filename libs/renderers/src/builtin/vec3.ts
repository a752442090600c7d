import type { Vec3 } from './scene.schema';

/**
 * Small vector helpers for set-up code (camera, scene compilation). They allocate, so the path tracer's
 * inner loops use plain numbers instead.
 */
export function sub(a: ReadonlyArray<number>, b: ReadonlyArray<number>): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function cross(a: ReadonlyArray<number>, b: ReadonlyArray<number>): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function length(a: ReadonlyArray<number>): number {
  return Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
}

export function normalize(a: ReadonlyArray<number>): Vec3 {
  const l = length(a);
  return [a[0] / l, a[1] / l, a[2] / l];
}

export function scale(a: ReadonlyArray<number>, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

/**
 * Two unit vectors completing unit `n` to a right-handed orthonormal basis, without the precision loss
 * of the classic construction near n.z = -1 (Duff et al. 2017, "Building an Orthonormal Basis, Revisited").
 */
export function basisOf(n: ReadonlyArray<number>): [Vec3, Vec3] {
  const sign = n[2] >= 0 ? 1 : -1;
  const a = -1 / (sign + n[2]);
  const b = n[0] * n[1] * a;
  return [
    [1 + sign * n[0] * n[0] * a, sign * b, -sign * n[0]],
    [b, sign + n[1] * n[1] * a, -n[1]],
  ];
}

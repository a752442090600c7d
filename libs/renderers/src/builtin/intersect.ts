/**
 * Ray-primitive tests on flat arrays. Each returns the ray parameter of the nearest hit beyond `tMin`
 * (directions are unit length, so it is a distance), or Infinity. Plain numbers in, one number out:
 * nothing allocates, which matters because these run hundreds of millions of times per frame.
 */

/** Sphere i of `s` = [cx, cy, cz, r, ...]. */
export function hitSphere(
  s: Float64Array,
  i: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
): number {
  const o = i * 4;
  const cx = ox - s[o];
  const cy = oy - s[o + 1];
  const cz = oz - s[o + 2];
  const r = s[o + 3];
  const b = cx * dx + cy * dy + cz * dz;
  const c = cx * cx + cy * cy + cz * cz - r * r;
  const disc = b * b - c;
  if (disc < 0) return Infinity;
  const root = Math.sqrt(disc);
  const near = -b - root;
  if (near > tMin) return near;
  const far = -b + root;
  return far > tMin ? far : Infinity;
}

/** Box i of `b` = [cx, cy, cz, hx, hy, hz, cos, sin, ...]: half extents h, rotated about +y through c. */
export function hitBox(
  b: Float64Array,
  i: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
): number {
  const o = i * 8;
  const cos = b[o + 6];
  const sin = b[o + 7];
  // Into box space: translate, then rotate by -angle about y.
  const px = ox - b[o];
  const py = oy - b[o + 1];
  const pz = oz - b[o + 2];
  const lx = cos * px - sin * pz;
  const lz = sin * px + cos * pz;
  const ldx = cos * dx - sin * dz;
  const ldz = sin * dx + cos * dz;
  let near = -Infinity;
  let far = Infinity;
  for (let axis = 0; axis < 3; axis++) {
    const p = axis === 0 ? lx : axis === 1 ? py : lz;
    const d = axis === 0 ? ldx : axis === 1 ? dy : ldz;
    const h = b[o + 3 + axis];
    if (d === 0) {
      if (p < -h || p > h) return Infinity;
      continue;
    }
    const inv = 1 / d;
    let t0 = (-h - p) * inv;
    let t1 = (h - p) * inv;
    if (t0 > t1) {
      const t = t0;
      t0 = t1;
      t1 = t;
    }
    if (t0 > near) near = t0;
    if (t1 < far) far = t1;
    if (near > far) return Infinity;
  }
  if (near > tMin) return near;
  return far > tMin ? far : Infinity;
}

/** Triangle i of `tri` = [v0 xyz, edge1 xyz, edge2 xyz, unit normal xyz, ...], both sides hit. */
export function hitTriangle(
  tri: Float64Array,
  i: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
): number {
  const o = i * 12;
  const e1x = tri[o + 3];
  const e1y = tri[o + 4];
  const e1z = tri[o + 5];
  const e2x = tri[o + 6];
  const e2y = tri[o + 7];
  const e2z = tri[o + 8];
  const px = dy * e2z - dz * e2y;
  const py = dz * e2x - dx * e2z;
  const pz = dx * e2y - dy * e2x;
  const det = e1x * px + e1y * py + e1z * pz;
  if (det > -1e-14 && det < 1e-14) return Infinity;
  const inv = 1 / det;
  const tx = ox - tri[o];
  const ty = oy - tri[o + 1];
  const tz = oz - tri[o + 2];
  const u = (tx * px + ty * py + tz * pz) * inv;
  if (u < 0 || u > 1) return Infinity;
  const qx = ty * e1z - tz * e1y;
  const qy = tz * e1x - tx * e1z;
  const qz = tx * e1y - ty * e1x;
  const v = (dx * qx + dy * qy + dz * qz) * inv;
  if (v < 0 || u + v > 1) return Infinity;
  const t = (e2x * qx + e2y * qy + e2z * qz) * inv;
  return t > tMin ? t : Infinity;
}

/** Plane i of `p` = [point xyz, unit normal xyz, u axis xyz, v axis xyz, ...], both sides hit. */
export function hitPlane(
  p: Float64Array,
  i: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
): number {
  const o = i * 12;
  const nx = p[o + 3];
  const ny = p[o + 4];
  const nz = p[o + 5];
  const denom = nx * dx + ny * dy + nz * dz;
  if (denom > -1e-12 && denom < 1e-12) return Infinity;
  const t = ((p[o] - ox) * nx + (p[o + 1] - oy) * ny + (p[o + 2] - oz) * nz) / denom;
  return t > tMin ? t : Infinity;
}

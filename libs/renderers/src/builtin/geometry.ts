import { BVH_STACK_SIZE, type Bvh } from './bvh';
import { hitBox, hitPlane, hitSphere, hitTriangle } from './intersect';

/** No hit. Planes are encoded as -2 - planeIndex so that every id is distinct. */
export const NO_HIT = -1;

/** Flat primitive data of one frame (objects already moved to their keyframed positions). */
export interface GeometryData {
  spheres: Float64Array;
  boxes: Float64Array;
  triangles: Float64Array;
  /** Nine numbers per triangle (vertex normals), or NaN in the first slot for flat-shaded triangles. */
  triangleNormals: Float64Array;
  /** Material of each bounded primitive: spheres first, then boxes, then triangles. */
  primitiveMaterial: Int32Array;
  planes: Float64Array;
  planeMaterial: Int32Array;
  /** Second material of a checkered plane, or -1; and the size of one checker square. */
  planeChecker: Int32Array;
  planeCheckerSize: Float64Array;
  bvh: Bvh;
}

/**
 * Ray queries against one frame's geometry. Results are left in public fields rather than returned
 * objects, so the path tracer's loop allocates nothing. Not re-entrant: one instance per render.
 */
export class Geometry {
  /** Distance and primitive of the last `intersect`. */
  t = Infinity;
  prim = NO_HIT;
  /** Filled by `surface`: hit point, unit geometric normal (outward for closed shapes), shading normal. */
  px = 0;
  py = 0;
  pz = 0;
  nx = 0;
  ny = 0;
  nz = 0;
  sx = 0;
  sy = 0;
  sz = 0;
  material = 0;

  private readonly sphereCount: number;
  private readonly boxEnd: number;
  private readonly planeCount: number;
  private readonly stack = new Int32Array(BVH_STACK_SIZE + 2);

  constructor(readonly data: GeometryData) {
    this.sphereCount = data.spheres.length / 4;
    this.boxEnd = this.sphereCount + data.boxes.length / 8;
    this.planeCount = data.planeMaterial.length;
  }

  /** Nearest hit along the ray closer than tMax; true if there is one. */
  intersect(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax: number): boolean {
    let best = tMax;
    let prim = NO_HIT;
    const planes = this.data.planes;
    for (let i = 0; i < this.planeCount; i++) {
      const t = hitPlane(planes, i, ox, oy, oz, dx, dy, dz, 0);
      if (t < best) {
        best = t;
        prim = -2 - i;
      }
    }
    const { bvh } = this.data;
    if (bvh.order.length > 0) {
      const ix = 1 / dx;
      const iy = 1 / dy;
      const iz = 1 / dz;
      const stack = this.stack;
      let sp = 0;
      if (slab(bvh.bounds, 0, ox, oy, oz, ix, iy, iz, best) < best) stack[sp++] = 0;
      while (sp > 0) {
        const node = stack[--sp];
        const count = bvh.count[node];
        if (count > 0) {
          const first = bvh.first[node];
          for (let k = first; k < first + count; k++) {
            const p = bvh.order[k];
            const t = this.hitPrimitive(p, ox, oy, oz, dx, dy, dz);
            if (t < best) {
              best = t;
              prim = p;
            }
          }
          continue;
        }
        // Visit the nearer child first so `best` shrinks early and prunes the other.
        const left = bvh.first[node];
        const tl = slab(bvh.bounds, left, ox, oy, oz, ix, iy, iz, best);
        const tr = slab(bvh.bounds, left + 1, ox, oy, oz, ix, iy, iz, best);
        if (tl <= tr) {
          if (tr < best) stack[sp++] = left + 1;
          if (tl < best) stack[sp++] = left;
        } else {
          if (tl < best) stack[sp++] = left;
          if (tr < best) stack[sp++] = left + 1;
        }
      }
    }
    this.t = best;
    this.prim = prim;
    return prim !== NO_HIT;
  }

  /** Whether anything lies along the ray closer than tMax (any hit ends the search: shadow rays). */
  occluded(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax: number): boolean {
    const planes = this.data.planes;
    for (let i = 0; i < this.planeCount; i++) {
      if (hitPlane(planes, i, ox, oy, oz, dx, dy, dz, 0) < tMax) return true;
    }
    const { bvh } = this.data;
    if (bvh.order.length === 0) return false;
    const ix = 1 / dx;
    const iy = 1 / dy;
    const iz = 1 / dz;
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      if (slab(bvh.bounds, node, ox, oy, oz, ix, iy, iz, tMax) >= tMax) continue;
      const count = bvh.count[node];
      if (count === 0) {
        stack[sp++] = bvh.first[node] + 1;
        stack[sp++] = bvh.first[node];
        continue;
      }
      const first = bvh.first[node];
      for (let k = first; k < first + count; k++) {
        if (this.hitPrimitive(bvh.order[k], ox, oy, oz, dx, dy, dz) < tMax) return true;
      }
    }
    return false;
  }

  /** Hit point, normals and material of the last `intersect` (which must have hit). */
  surface(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): void {
    const t = this.t;
    const p = this.prim;
    this.px = ox + dx * t;
    this.py = oy + dy * t;
    this.pz = oz + dz * t;
    if (p <= -2) this.planeSurface(-2 - p);
    else if (p < this.sphereCount) this.sphereSurface(p);
    else if (p < this.boxEnd) this.boxSurface(p - this.sphereCount);
    else this.triangleSurface(p - this.boxEnd, ox, oy, oz, dx, dy, dz);
    if (p > NO_HIT) this.material = this.data.primitiveMaterial[p];
  }

  private hitPrimitive(p: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
    if (p < this.sphereCount) return hitSphere(this.data.spheres, p, ox, oy, oz, dx, dy, dz, 0);
    if (p < this.boxEnd) return hitBox(this.data.boxes, p - this.sphereCount, ox, oy, oz, dx, dy, dz, 0);
    return hitTriangle(this.data.triangles, p - this.boxEnd, ox, oy, oz, dx, dy, dz, 0);
  }

  private planeSurface(i: number): void {
    const d = this.data.planes;
    const o = i * 12;
    this.setNormals(d[o + 3], d[o + 4], d[o + 5]);
    const second = this.data.planeChecker[i];
    this.material = this.data.planeMaterial[i];
    if (second < 0) return;
    // Checker squares are counted along the plane's own u and v axes from its point.
    const rx = this.px - d[o];
    const ry = this.py - d[o + 1];
    const rz = this.pz - d[o + 2];
    const size = this.data.planeCheckerSize[i];
    const u = Math.floor((rx * d[o + 6] + ry * d[o + 7] + rz * d[o + 8]) / size);
    const v = Math.floor((rx * d[o + 9] + ry * d[o + 10] + rz * d[o + 11]) / size);
    if (((u + v) & 1) !== 0) this.material = second;
  }

  private sphereSurface(i: number): void {
    const s = this.data.spheres;
    const inv = 1 / s[i * 4 + 3];
    this.setNormals((this.px - s[i * 4]) * inv, (this.py - s[i * 4 + 1]) * inv, (this.pz - s[i * 4 + 2]) * inv);
  }

  private boxSurface(i: number): void {
    const b = this.data.boxes;
    const o = i * 8;
    const cos = b[o + 6];
    const sin = b[o + 7];
    const qx = this.px - b[o];
    const qz = this.pz - b[o + 2];
    // The face is the axis on which the local hit point is proportionally farthest out.
    const lx = (cos * qx - sin * qz) / b[o + 3];
    const ly = (this.py - b[o + 1]) / b[o + 4];
    const lz = (sin * qx + cos * qz) / b[o + 5];
    const ax = Math.abs(lx);
    const ay = Math.abs(ly);
    const az = Math.abs(lz);
    let nlx = 0;
    let nly = 0;
    let nlz = 0;
    if (ax >= ay && ax >= az) nlx = lx > 0 ? 1 : -1;
    else if (ay >= az) nly = ly > 0 ? 1 : -1;
    else nlz = lz > 0 ? 1 : -1;
    this.setNormals(cos * nlx + sin * nlz, nly, -sin * nlx + cos * nlz);
  }

  private triangleSurface(i: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): void {
    const tri = this.data.triangles;
    const o = i * 12;
    this.nx = tri[o + 9];
    this.ny = tri[o + 10];
    this.nz = tri[o + 11];
    const vn = this.data.triangleNormals;
    if (Number.isNaN(vn[i * 9])) {
      this.sx = this.nx;
      this.sy = this.ny;
      this.sz = this.nz;
      return;
    }
    // Barycentrics of the hit, recomputed here rather than stored by every candidate test.
    const e1x = tri[o + 3], e1y = tri[o + 4], e1z = tri[o + 5];
    const e2x = tri[o + 6], e2y = tri[o + 7], e2z = tri[o + 8];
    const px = dy * e2z - dz * e2y;
    const py = dz * e2x - dx * e2z;
    const pz = dx * e2y - dy * e2x;
    const inv = 1 / (e1x * px + e1y * py + e1z * pz);
    const tx = ox - tri[o], ty = oy - tri[o + 1], tz = oz - tri[o + 2];
    const u = (tx * px + ty * py + tz * pz) * inv;
    const v = (dx * (ty * e1z - tz * e1y) + dy * (tz * e1x - tx * e1z) + dz * (tx * e1y - ty * e1x)) * inv;
    const w = 1 - u - v;
    const n = i * 9;
    const sx = w * vn[n] + u * vn[n + 3] + v * vn[n + 6];
    const sy = w * vn[n + 1] + u * vn[n + 4] + v * vn[n + 7];
    const sz = w * vn[n + 2] + u * vn[n + 5] + v * vn[n + 8];
    const len = Math.sqrt(sx * sx + sy * sy + sz * sz);
    this.sx = sx / len;
    this.sy = sy / len;
    this.sz = sz / len;
  }

  private setNormals(x: number, y: number, z: number): void {
    this.nx = this.sx = x;
    this.ny = this.sy = y;
    this.nz = this.sz = z;
  }
}

/** Entry distance of a ray into node `n`'s box, or Infinity if it misses or enters beyond tMax. */
function slab(
  b: Float64Array,
  n: number,
  ox: number,
  oy: number,
  oz: number,
  ix: number,
  iy: number,
  iz: number,
  tMax: number,
): number {
  const o = n * 6;
  // Comparisons written so that a NaN (0 * Infinity, a ray in a slab's plane) is ignored, not propagated.
  let near = -Infinity;
  let far = Infinity;
  let t0 = (b[o] - ox) * ix;
  let t1 = (b[o + 3] - ox) * ix;
  if (t0 > t1) {
    const swap = t0;
    t0 = t1;
    t1 = swap;
  }
  if (t0 > near) near = t0;
  if (t1 < far) far = t1;
  t0 = (b[o + 1] - oy) * iy;
  t1 = (b[o + 4] - oy) * iy;
  if (t0 > t1) {
    const swap = t0;
    t0 = t1;
    t1 = swap;
  }
  if (t0 > near) near = t0;
  if (t1 < far) far = t1;
  t0 = (b[o + 2] - oz) * iz;
  t1 = (b[o + 5] - oz) * iz;
  if (t0 > t1) {
    const swap = t0;
    t0 = t1;
    t1 = swap;
  }
  if (t0 > near) near = t0;
  if (t1 < far) far = t1;
  if (far < near || far < 0 || near >= tMax) return Infinity;
  return near;
}

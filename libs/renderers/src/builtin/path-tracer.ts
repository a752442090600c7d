import type { Geometry } from './geometry';
import { uniform } from './rng';
import { DIFFUSE, EMISSIVE, GLASS, MATERIAL_STRIDE, METAL, type CompiledScene } from './scene.compiler';

const INV_PI = 1 / Math.PI;
const TWO_PI = 2 * Math.PI;
/** Random dimensions per sample: 4 for the camera (pixel jitter, lens), then DIMS_PER_BOUNCE per bounce. */
const CAMERA_DIMS = 4;
const DIMS_PER_BOUNCE = 6;
const ROULETTE_FROM_BOUNCE = 3;

/**
 * One path per call to `sample`. The ray, throughput and radiance live in fields (plain doubles), so the
 * loop allocates nothing; the helpers below read and update them.
 */
export class PathTracer {
  lr = 0;
  lg = 0;
  lb = 0;
  private ox = 0;
  private oy = 0;
  private oz = 0;
  private dx = 0;
  private dy = 0;
  private dz = 0;
  private tr = 1;
  private tg = 1;
  private tb = 1;
  /** Density of the direction the current ray was sampled with, for sun MIS; -1 for camera and mirror rays. */
  private pdf = -1;
  /** The hit's normals, both flipped to face the incoming ray (glass: the outward side). */
  private fx = 0;
  private fy = 0;
  private fz = 0;
  private sx = 0;
  private sy = 0;
  private sz = 0;
  private readonly geometry: Geometry;

  constructor(
    readonly scene: CompiledScene,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.geometry = scene.geometry;
  }

  sample(key: number, x: number, y: number): void {
    this.cameraRay(key, x, y);
    this.lr = this.lg = this.lb = 0;
    this.tr = this.tg = this.tb = 1;
    this.pdf = -1;
    const { materialKind, maxBounces } = this.scene;
    const geo = this.geometry;
    for (let bounce = 0; ; bounce++) {
      if (!geo.intersect(this.ox, this.oy, this.oz, this.dx, this.dy, this.dz, Infinity)) {
        this.escape(bounce);
        return;
      }
      geo.surface(this.ox, this.oy, this.oz, this.dx, this.dy, this.dz);
      const m = geo.material;
      const kind = materialKind[m];
      if (kind === EMISSIVE) {
        const p = this.scene.materialParams;
        const o = m * MATERIAL_STRIDE;
        this.addLight(this.tr * p[o], this.tg * p[o + 1], this.tb * p[o + 2], bounce);
        return;
      }
      if (bounce === maxBounces) return;
      const dim = CAMERA_DIMS + bounce * DIMS_PER_BOUNCE;
      this.orientNormals(kind === GLASS);
      let alive: boolean;
      if (kind === DIFFUSE) alive = this.scatterDiffuse(key, dim, m, bounce);
      else if (kind === METAL) alive = this.scatterMetal(key, dim, m, bounce);
      else alive = this.scatterGlass(key, dim, m);
      if (!alive) return;
      if (bounce >= ROULETTE_FROM_BOUNCE) {
        const q = Math.max(this.tr, this.tg, this.tb);
        if (q < 1) {
          if (uniform(key, dim + 5) >= q) return;
          this.tr /= q;
          this.tg /= q;
          this.tb /= q;
        }
      }
    }
  }

  private cameraRay(key: number, x: number, y: number): void {
    const c = this.scene.camera;
    const sx = (2 * (x + uniform(key, 0))) / this.width - 1;
    const sy = 1 - (2 * (y + uniform(key, 1))) / this.height;
    let dx = c.forward[0] + c.right[0] * sx + c.up[0] * sy;
    let dy = c.forward[1] + c.right[1] * sx + c.up[1] * sy;
    let dz = c.forward[2] + c.right[2] * sx + c.up[2] * sy;
    let inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
    dx *= inv;
    dy *= inv;
    dz *= inv;
    this.ox = c.origin[0];
    this.oy = c.origin[1];
    this.oz = c.origin[2];
    if (c.lensRadius > 0) {
      // Thin lens: aim from a point on the aperture disk at where the pinhole ray meets the focus plane.
      const along = c.focusDistance / (dx * c.forward[0] + dy * c.forward[1] + dz * c.forward[2]);
      const r = c.lensRadius * Math.sqrt(uniform(key, 2));
      const phi = TWO_PI * uniform(key, 3);
      const lx = r * Math.cos(phi);
      const ly = r * Math.sin(phi);
      this.ox += c.lensRight[0] * lx + c.lensUp[0] * ly;
      this.oy += c.lensRight[1] * lx + c.lensUp[1] * ly;
      this.oz += c.lensRight[2] * lx + c.lensUp[2] * ly;
      dx = c.origin[0] + dx * along - this.ox;
      dy = c.origin[1] + dy * along - this.oy;
      dz = c.origin[2] + dz * along - this.oz;
      inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
      dx *= inv;
      dy *= inv;
      dz *= inv;
    }
    this.dx = dx;
    this.dy = dy;
    this.dz = dz;
  }

  /** A ray that left the scene sees the sky gradient and, maybe, the sun disk. */
  private escape(bounce: number): void {
    const sky = this.scene.sky;
    const y = this.dy;
    const t = Math.sqrt(y >= 0 ? y : -y);
    const o = y >= 0 ? 3 : 6; // zenith above the horizon, ground below
    let r = sky[0] + (sky[o] - sky[0]) * t;
    let g = sky[1] + (sky[o + 1] - sky[1]) * t;
    let b = sky[2] + (sky[o + 2] - sky[2]) * t;
    const sun = this.scene.sun;
    if (sun !== null && this.dx * sun.dir[0] + this.dy * sun.dir[1] + this.dz * sun.dir[2] >= sun.cosMax) {
      // Weight against next-event estimation of the same sun (power heuristic); mirrors see it fully.
      const pl = 1 / sun.solidAngle;
      const w = this.pdf < 0 ? 1 : (this.pdf * this.pdf) / (this.pdf * this.pdf + pl * pl);
      const k = w * pl;
      r += sun.irradiance[0] * k;
      g += sun.irradiance[1] * k;
      b += sun.irradiance[2] * k;
    }
    this.addLight(this.tr * r, this.tg * g, this.tb * b, bounce);
  }

  /** Adds light reaching the camera; light that arrived after a bounce is clamped against fireflies. */
  private addLight(r: number, g: number, b: number, bounce: number): void {
    if (bounce > 0) {
      const m = r > g ? (r > b ? r : b) : g > b ? g : b;
      const limit = this.scene.clampIndirect;
      if (m > limit) {
        const k = limit / m;
        r *= k;
        g *= k;
        b *= k;
      }
    }
    this.lr += r;
    this.lg += g;
    this.lb += b;
  }

  /** Flips the hit's normals to face the incoming ray; glass keeps the outward side to know in from out. */
  private orientNormals(keepOutward: boolean): void {
    const geo = this.geometry;
    const flip = !keepOutward && this.dx * geo.nx + this.dy * geo.ny + this.dz * geo.nz > 0 ? -1 : 1;
    this.fx = geo.nx * flip;
    this.fy = geo.ny * flip;
    this.fz = geo.nz * flip;
    this.sx = geo.sx * flip;
    this.sy = geo.sy * flip;
    this.sz = geo.sz * flip;
  }

  /** Moves the ray origin to the hit point, nudged off the surface to the side given by `side` (+1/-1). */
  private leave(side: number, dx: number, dy: number, dz: number): void {
    const geo = this.geometry;
    const px = geo.px;
    const py = geo.py;
    const pz = geo.pz;
    const big = Math.max(px < 0 ? -px : px, py < 0 ? -py : py, pz < 0 ? -pz : pz);
    const eps = 1e-4 * (1 + big) * side;
    this.ox = px + this.fx * eps;
    this.oy = py + this.fy * eps;
    this.oz = pz + this.fz * eps;
    this.dx = dx;
    this.dy = dy;
    this.dz = dz;
  }

  private scatterDiffuse(key: number, dim: number, m: number, bounce: number): boolean {
    const p = this.scene.materialParams;
    const o = m * MATERIAL_STRIDE;
    const ar = p[o];
    const ag = p[o + 1];
    const ab = p[o + 2];
    if (this.scene.sun !== null) this.sunDiffuse(key, dim, ar, ag, ab, bounce);
    // Cosine-weighted direction about the shading normal.
    const u1 = uniform(key, dim + 2);
    const r = Math.sqrt(u1);
    const phi = TWO_PI * uniform(key, dim + 3);
    const a = r * Math.cos(phi);
    const b = r * Math.sin(phi);
    const c = Math.sqrt(1 - u1);
    if (!this.aroundShadingNormal(a, b, c)) return false;
    this.tr *= ar;
    this.tg *= ag;
    this.tb *= ab;
    this.pdf = c * INV_PI;
    return true;
  }

  private sunDiffuse(key: number, dim: number, ar: number, ag: number, ab: number, bounce: number): void {
    const sun = this.scene.sun!;
    if (!this.sampleSun(key, dim)) return;
    const cos = this.lx * this.sx + this.ly * this.sy + this.lz * this.sz;
    if (cos <= 0) return;
    const pl = 1 / sun.solidAngle;
    const pb = cos * INV_PI;
    const k = cos * INV_PI * ((pl * pl) / (pl * pl + pb * pb));
    this.addLight(this.tr * ar * k * sun.irradiance[0], this.tg * ag * k * sun.irradiance[1],
      this.tb * ab * k * sun.irradiance[2], bounce);
  }

  /** Set by sampleSun: a direction towards a point of the sun disk. */
  private lx = 0;
  private ly = 0;
  private lz = 0;

  /** Picks a direction within the sun's cone; false if it points below the surface or is shadowed. */
  private sampleSun(key: number, dim: number): boolean {
    const sun = this.scene.sun!;
    const cosT = 1 - uniform(key, dim) * (1 - sun.cosMax);
    const sinT = Math.sqrt(Math.max(0, 1 - cosT * cosT));
    const phi = TWO_PI * uniform(key, dim + 1);
    const a = sinT * Math.cos(phi);
    const b = sinT * Math.sin(phi);
    this.lx = sun.dir[0] * cosT + sun.u[0] * a + sun.v[0] * b;
    this.ly = sun.dir[1] * cosT + sun.u[1] * a + sun.v[1] * b;
    this.lz = sun.dir[2] * cosT + sun.u[2] * a + sun.v[2] * b;
    if (this.lx * this.fx + this.ly * this.fy + this.lz * this.fz <= 0) return false;
    const geo = this.geometry;
    const big = Math.max(Math.abs(geo.px), Math.abs(geo.py), Math.abs(geo.pz));
    const eps = 1e-4 * (1 + big);
    return !geo.occluded(geo.px + this.fx * eps, geo.py + this.fy * eps, geo.pz + this.fz * eps,
      this.lx, this.ly, this.lz, Infinity);
  }

  /** Turns local (a, b, c) about the shading normal into the next ray; false if it would go under. */
  private aroundShadingNormal(a: number, b: number, c: number): boolean {
    return this.aroundAxis(this.sx, this.sy, this.sz, a, b, c);
  }

  private aroundAxis(nx: number, ny: number, nz: number, a: number, b: number, c: number): boolean {
    // Orthonormal basis about n (Duff et al. 2017), inlined to avoid allocating.
    const sign = nz >= 0 ? 1 : -1;
    const k = -1 / (sign + nz);
    const q = nx * ny * k;
    const dx = (1 + sign * nx * nx * k) * a + q * b + nx * c;
    const dy = sign * q * a + (sign + ny * ny * k) * b + ny * c;
    const dz = -sign * nx * a - ny * b + nz * c;
    if (dx * this.fx + dy * this.fy + dz * this.fz <= 0) return false;
    this.leave(1, dx, dy, dz);
    return true;
  }

  private scatterMetal(key: number, dim: number, m: number, bounce: number): boolean {
    const p = this.scene.materialParams;
    const o = m * MATERIAL_STRIDE;
    const n = p[o + 3];
    // Mirror direction about the shading normal: the axis of the Phong lobe.
    const dn = this.dx * this.sx + this.dy * this.sy + this.dz * this.sz;
    const rx = this.dx - 2 * dn * this.sx;
    const ry = this.dy - 2 * dn * this.sy;
    const rz = this.dz - 2 * dn * this.sz;
    this.tr *= p[o];
    this.tg *= p[o + 1];
    this.tb *= p[o + 2];
    if (n === Infinity) {
      if (rx * this.fx + ry * this.fy + rz * this.fz <= 0) return false;
      this.leave(1, rx, ry, rz);
      this.pdf = -1;
      return true;
    }
    if (this.scene.sun !== null) this.sunMetal(key, dim, n, rx, ry, rz, bounce);
    const cosA = Math.pow(uniform(key, dim + 2), 1 / (n + 1));
    const sinA = Math.sqrt(Math.max(0, 1 - cosA * cosA));
    const phi = TWO_PI * uniform(key, dim + 3);
    if (!this.aroundAxis(rx, ry, rz, sinA * Math.cos(phi), sinA * Math.sin(phi), cosA)) return false;
    const cosOut = this.dx * this.sx + this.dy * this.sy + this.dz * this.sz;
    if (cosOut <= 0) return false;
    // f * cos / pdf of the normalised Phong lobe.
    const w = ((n + 2) / (n + 1)) * cosOut;
    this.tr *= w;
    this.tg *= w;
    this.tb *= w;
    this.pdf = ((n + 1) / TWO_PI) * Math.pow(cosA, n);
    return true;
  }

  /** Sun light on a rough metal; the albedo is already in the throughput. */
  private sunMetal(key: number, dim: number, n: number, rx: number, ry: number, rz: number, bounce: number): void {
    const sun = this.scene.sun!;
    if (!this.sampleSun(key, dim)) return;
    const cosA = this.lx * rx + this.ly * ry + this.lz * rz;
    if (cosA <= 0) return;
    const cos = this.lx * this.sx + this.ly * this.sy + this.lz * this.sz;
    if (cos <= 0) return;
    const lobe = Math.pow(cosA, n);
    const pb = ((n + 1) / TWO_PI) * lobe;
    const pl = 1 / sun.solidAngle;
    const k = ((n + 2) / TWO_PI) * lobe * cos * ((pl * pl) / (pl * pl + pb * pb));
    this.addLight(this.tr * k * sun.irradiance[0], this.tg * k * sun.irradiance[1], this.tb * k * sun.irradiance[2], bounce);
  }

  private scatterGlass(key: number, dim: number, m: number): boolean {
    const p = this.scene.materialParams;
    const o = m * MATERIAL_STRIDE;
    const ior = p[o + 3];
    let cosI = -(this.dx * this.sx + this.dy * this.sy + this.dz * this.sz);
    const entering = cosI > 0;
    // Work with the normal on the incoming side.
    const side = entering ? 1 : -1;
    const nx = this.sx * side;
    const ny = this.sy * side;
    const nz = this.sz * side;
    this.fx *= side;
    this.fy *= side;
    this.fz *= side;
    cosI *= side;
    const eta = entering ? 1 / ior : ior;
    const sin2T = eta * eta * (1 - cosI * cosI);
    this.pdf = -1;
    let reflect = sin2T >= 1;
    let cosT = 0;
    if (!reflect) {
      cosT = Math.sqrt(1 - sin2T);
      const r0 = ((1 - ior) / (1 + ior)) ** 2;
      const c = 1 - (entering ? cosI : cosT);
      const fresnel = r0 + (1 - r0) * c * c * c * c * c;
      reflect = uniform(key, dim + 4) < fresnel;
    }
    if (reflect) {
      this.leave(1, this.dx + 2 * cosI * nx, this.dy + 2 * cosI * ny, this.dz + 2 * cosI * nz);
      return true;
    }
    const k = eta * cosI - cosT;
    this.leave(-1, eta * this.dx + k * nx, eta * this.dy + k * ny, eta * this.dz + k * nz);
    if (entering) {
      this.tr *= p[o];
      this.tg *= p[o + 1];
      this.tb *= p[o + 2];
    }
    return true;
  }
}

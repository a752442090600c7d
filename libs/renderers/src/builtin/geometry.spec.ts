import { buildBvh } from './bvh';
import { NO_HIT } from './geometry';
import { hitBox, hitPlane, hitSphere, hitTriangle } from './intersect';
import { hash32, uniform } from './rng';
import { compileScene } from './scene.compiler';
import { validateScene } from './scene.parser';

const camera = { position: [0, 0, 10], target: [0, 0, 0] };
const materials = { a: { type: 'diffuse', albedo: [0.5, 0.5, 0.5] }, b: { type: 'diffuse', albedo: [0.1, 0.1, 0.1] } };

function geometryOf(objects: unknown[]) {
  const scene = validateScene({ format: 'tessera-scene/1', camera, materials, objects });
  return compileScene(scene, 1, 16, 16).geometry;
}

describe('intersect', () => {
  it('hits a sphere from outside and from inside', () => {
    const s = new Float64Array([0, 0, 0, 1]);
    expect(hitSphere(s, 0, 0, 0, 5, 0, 0, -1, 0)).toBe(4);
    expect(hitSphere(s, 0, 0, 0, 0, 0, 0, -1, 0)).toBe(1);
    expect(hitSphere(s, 0, 0, 2, 5, 0, 0, -1, 0)).toBe(Infinity);
    expect(hitSphere(s, 0, 0, 0, 5, 0, 0, 1, 0)).toBe(Infinity); // behind the ray
  });

  it('hits an axis-aligned and a rotated box', () => {
    const aligned = new Float64Array([0, 0, 0, 1, 1, 1, 1, 0]);
    expect(hitBox(aligned, 0, 0, 0, 5, 0, 0, -1, 0)).toBe(4);
    expect(hitBox(aligned, 0, 0.5, 0.5, 0, 0, 0, -1, 0)).toBe(1); // from inside: the exit
    expect(hitBox(aligned, 0, 3, 0, 5, 0, 0, -1, 0)).toBe(Infinity);
    const c = Math.SQRT1_2;
    const rotated = new Float64Array([0, 0, 0, 1, 1, 1, c, c]); // 45 degrees: a corner points at +z
    expect(hitBox(rotated, 0, 0, 0, 5, 0, 0, -1, 0)).toBeCloseTo(5 - Math.SQRT2, 12);
    expect(hitBox(rotated, 0, 1.3, 0, 5, 0, 0, -1, 0)).toBeLessThan(5); // the corner reaches x = 1.41
    expect(hitBox(rotated, 0, 1.5, 0, 5, 0, 0, -1, 0)).toBe(Infinity);
  });

  it('hits a triangle on both sides and misses outside it', () => {
    // v0 (0,0,0), e1 (1,0,0), e2 (0,1,0), normal +z
    const t = new Float64Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(hitTriangle(t, 0, 0.25, 0.25, 3, 0, 0, -1, 0)).toBe(3);
    expect(hitTriangle(t, 0, 0.25, 0.25, -2, 0, 0, 1, 0)).toBe(2);
    expect(hitTriangle(t, 0, 0.75, 0.75, 3, 0, 0, -1, 0)).toBe(Infinity);
    expect(hitTriangle(t, 0, 0.25, 0.25, 3, 1, 0, 0, 0)).toBe(Infinity); // parallel
  });

  it('hits a plane in front, never behind or parallel', () => {
    const p = new Float64Array([0, -1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1]);
    expect(hitPlane(p, 0, 0, 1, 0, 0, -1, 0, 0)).toBe(2);
    expect(hitPlane(p, 0, 0, 1, 0, 0, 1, 0, 0)).toBe(Infinity);
    expect(hitPlane(p, 0, 0, 1, 0, 1, 0, 0, 0)).toBe(Infinity);
  });
});

describe('Geometry', () => {
  it('reports outward normals and the checker material', () => {
    const geo = geometryOf([
      { type: 'sphere', center: [0, 2, 0], radius: 1, material: 'a' },
      { type: 'box', min: [3, 0, -1], max: [5, 2, 1], material: 'b' },
      { type: 'plane', material: 'a', checker: { material: 'b', size: 1 } },
    ]);
    expect(geo.intersect(0, 2, 5, 0, 0, -1, Infinity)).toBe(true);
    geo.surface(0, 2, 5, 0, 0, -1);
    expect([geo.t, geo.nx, geo.ny, geo.nz, geo.material]).toEqual([4, 0, 0, 1, 0]);
    expect(geo.intersect(10, 1, 0, -1, 0, 0, Infinity)).toBe(true);
    geo.surface(10, 1, 0, -1, 0, 0);
    expect([geo.t, geo.nx, geo.ny, geo.nz, geo.material]).toEqual([5, 1, 0, 0, 1]);
    const floorMaterial = (x: number, z: number): number => {
      geo.intersect(x, 1, z, 0, -1, 0, Infinity);
      geo.surface(x, 1, z, 0, -1, 0);
      return geo.material;
    };
    expect(floorMaterial(10.5, 10.5)).not.toBe(floorMaterial(11.5, 10.5));
    expect(floorMaterial(10.5, 10.5)).toBe(floorMaterial(11.5, 11.5));
    expect(geo.intersect(0, 10, 0, 0, 1, 0, Infinity)).toBe(false);
    expect(geo.prim).toBe(NO_HIT);
  });

  it('interpolates vertex normals on smooth meshes and keeps flat ones flat', () => {
    // Two triangles folded along the z axis: a roof whose ridge normals average to straight up.
    const roof = (smooth: boolean) => geometryOf([{
      type: 'mesh', smooth, material: 'a',
      vertices: [[-1, 0, -1], [0, 1, -1], [0, 1, 1], [-1, 0, 1], [1, 0, -1], [1, 0, 1]],
      triangles: [[0, 2, 1], [0, 3, 2], [1, 2, 5], [1, 5, 4]],
    }]);
    for (const [smooth, expected] of [[true, [0, 1, 0]], [false, [-Math.SQRT1_2, Math.SQRT1_2, 0]]] as const) {
      const geo = roof(smooth);
      expect(geo.intersect(-1e-9, 5, 0, 0, -1, 0, Infinity)).toBe(true);
      geo.surface(-1e-9, 5, 0, 0, -1, 0);
      const shading = [geo.sx, geo.sy, geo.sz].map((c) => Math.abs(c) < 1e-6 ? 0 : c);
      shading.forEach((c, i) => expect(c).toBeCloseTo(expected[i], 6));
    }
  });

  it('agrees with brute force on a mesh, spheres and boxes (closest hit and shadow rays)', () => {
    let n = 0;
    const rand = (): number => uniform(hash32(12345), n++) * 8 - 4;
    const vertices: number[][] = [];
    const triangles: number[][] = [];
    for (let i = 0; i < 1500; i++) {
      const [x, y, z] = [rand(), rand(), rand()];
      vertices.push([x, y, z], [x + rand() / 8, y + rand() / 8, z], [x, y + rand() / 8, z + rand() / 8]);
      triangles.push([3 * i, 3 * i + 1, 3 * i + 2]);
    }
    const spheres = Array.from({ length: 20 }, () => ({ type: 'sphere', center: [rand(), rand(), rand()], radius: 0.2, material: 'a' }));
    const boxes = Array.from({ length: 20 }, () => {
      const [x, y, z] = [rand(), rand(), rand()];
      return { type: 'box', min: [x, y, z], max: [x + 0.3, y + 0.2, z + 0.4], rotationYDegrees: rand() * 20, material: 'b' };
    });
    const geo = geometryOf([{ type: 'mesh', vertices, triangles, material: 'a' }, ...spheres, ...boxes]);
    const { data } = geo;
    const sphereCount = data.spheres.length / 4;
    const boxCount = data.boxes.length / 8;
    const brute = (o: number[], d: number[]): [number, number] => {
      let best = Infinity;
      let prim = NO_HIT;
      const total = data.primitiveMaterial.length;
      for (let p = 0; p < total; p++) {
        const t =
          p < sphereCount ? hitSphere(data.spheres, p, o[0], o[1], o[2], d[0], d[1], d[2], 0)
          : p < sphereCount + boxCount ? hitBox(data.boxes, p - sphereCount, o[0], o[1], o[2], d[0], d[1], d[2], 0)
          : hitTriangle(data.triangles, p - sphereCount - boxCount, o[0], o[1], o[2], d[0], d[1], d[2], 0);
        if (t < best) [best, prim] = [t, p];
      }
      return [best, prim];
    };
    let hits = 0;
    const mismatches: string[] = [];
    for (let r = 0; r < 800; r++) {
      const o = [rand() * 2, rand() * 2, rand() * 2];
      const target = [rand(), rand(), rand()];
      const d = target.map((t, i) => t - o[i]);
      const len = Math.hypot(d[0], d[1], d[2]);
      const dir = d.map((c) => c / len);
      const [t, prim] = brute(o, dir);
      const hit = geo.intersect(o[0], o[1], o[2], dir[0], dir[1], dir[2], Infinity);
      const shadow = geo.occluded(o[0], o[1], o[2], dir[0], dir[1], dir[2], len);
      if (hit !== (prim !== NO_HIT) || geo.t !== t || geo.prim !== prim || shadow !== t < len) {
        mismatches.push(`ray ${r}: bvh ${geo.t}/${geo.prim}/${shadow}, brute ${t}/${prim}`);
      }
      if (prim !== NO_HIT) hits++;
    }
    expect(mismatches).toEqual([]);
    expect(hits).toBeGreaterThan(300);
  });

  it('builds a valid tree: every primitive in exactly one leaf, inside its node bounds', () => {
    const count = 500;
    const boxes = new Float64Array(count * 6);
    for (let i = 0; i < count; i++) {
      const c = [uniform(7, i * 3), uniform(7, i * 3 + 1), uniform(7, i * 3 + 2)];
      boxes.set([c[0], c[1], c[2], c[0] + 0.01, c[1] + 0.01, c[2] + 0.01], i * 6);
    }
    const bvh = buildBvh(boxes, count);
    const seen = new Array(count).fill(0);
    const outside: number[] = [];
    for (let node = 0; node < bvh.nodeCount; node++) {
      if (bvh.count[node] === 0) continue;
      for (let k = bvh.first[node]; k < bvh.first[node] + bvh.count[node]; k++) {
        const p = bvh.order[k];
        seen[p]++;
        for (let a = 0; a < 3; a++) {
          if (boxes[p * 6 + a] < bvh.bounds[node * 6 + a]) outside.push(p);
          if (boxes[p * 6 + 3 + a] > bvh.bounds[node * 6 + 3 + a]) outside.push(p);
        }
      }
    }
    expect(seen.every((s) => s === 1)).toBe(true);
    expect(outside).toEqual([]);
    expect(buildBvh(boxes, count)).toEqual(bvh); // same input, same tree
  });
});

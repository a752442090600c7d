import { buildBvh } from './bvh';
import { cameraRigAt, type CameraRig } from './camera';
import { Geometry } from './geometry';
import { translationAt } from './keyframes';
import type { Scene, SceneMaterial, SceneObject, Vec3 } from './scene.schema';
import { add, basisOf, cross, length, normalize, sub } from './vec3';

export const DIFFUSE = 0;
export const METAL = 1;
export const GLASS = 2;
export const EMISSIVE = 3;
/** Numbers per material in `materialParams`. */
export const MATERIAL_STRIDE = 4;

export interface CompiledSun {
  /** Unit direction towards the sun, and two unit vectors completing a basis around it. */
  dir: Vec3;
  u: Vec3;
  v: Vec3;
  cosMax: number;
  solidAngle: number;
  /** Irradiance on a surface facing the sun (color x intensity); radiance is this over solidAngle. */
  irradiance: Vec3;
}

/** Everything the path tracer needs for one frame, in flat arrays. */
export interface CompiledScene {
  geometry: Geometry;
  materialKind: Int32Array;
  /** diffuse: albedo rgb; metal: albedo rgb, Phong exponent (Infinity = mirror); glass: tint rgb, ior;
   *  emissive: radiance rgb. */
  materialParams: Float64Array;
  /** horizon, zenith, ground colours, already multiplied by the sky intensity. */
  sky: Float64Array;
  sun: CompiledSun | null;
  camera: CameraRig;
  maxBounces: number;
  clampIndirect: number;
  exposureScale: number;
}

/** Turns a validated scene into the flat data of one frame (keyframes evaluated, BVH built). */
export function compileScene(scene: Scene, frame: number, width: number, height: number): CompiledScene {
  const names = Object.keys(scene.materials);
  const index = new Map(names.map((name, i) => [name, i]));
  const materialKind = new Int32Array(names.length);
  const materialParams = new Float64Array(names.length * MATERIAL_STRIDE);
  names.forEach((name, i) => compileMaterial(scene.materials[name], i, materialKind, materialParams));
  const s = scene.sky.intensity;
  const sky = new Float64Array([...scene.sky.horizon, ...scene.sky.zenith, ...scene.sky.ground].map((c) => c * s));
  return {
    geometry: compileGeometry(scene.objects, frame, index),
    materialKind,
    materialParams,
    sky,
    sun: compileSun(scene),
    camera: cameraRigAt(scene.camera, frame, width, height),
    maxBounces: scene.maxBounces,
    clampIndirect: scene.clampIndirect > 0 ? scene.clampIndirect : Infinity,
    exposureScale: Math.pow(2, scene.exposure),
  };
}

/** Maps roughness to a Phong exponent through alpha = roughness^2, as perceptual roughness usually is. */
export function phongExponent(roughness: number): number {
  if (roughness < 1e-3) return Infinity;
  const alpha = roughness * roughness;
  return Math.max(0, 2 / (alpha * alpha) - 2);
}

function compileMaterial(m: SceneMaterial, i: number, kind: Int32Array, params: Float64Array): void {
  const o = i * MATERIAL_STRIDE;
  switch (m.type) {
    case 'diffuse':
      kind[i] = DIFFUSE;
      params.set(m.albedo, o);
      return;
    case 'metal':
      kind[i] = METAL;
      params.set([...m.albedo, phongExponent(m.roughness)], o);
      return;
    case 'glass':
      kind[i] = GLASS;
      params.set([...m.tint, m.ior], o);
      return;
    case 'emissive':
      kind[i] = EMISSIVE;
      params.set(m.color.map((c) => c * m.intensity), o);
      return;
    default: {
      const unknown: never = m;
      throw new Error(`unhandled material ${JSON.stringify(unknown)}`);
    }
  }
}

function compileSun(scene: Scene): CompiledSun | null {
  const sun = scene.sky.sun;
  if (!sun || sun.intensity === 0) return null;
  const dir = normalize(sun.direction);
  const [u, v] = basisOf(dir);
  const cosMax = Math.cos((sun.angularDiameterDegrees * Math.PI) / 360);
  return {
    dir,
    u,
    v,
    cosMax,
    solidAngle: 2 * Math.PI * (1 - cosMax),
    irradiance: [sun.color[0] * sun.intensity, sun.color[1] * sun.intensity, sun.color[2] * sun.intensity],
  };
}

interface GeometryBuilder {
  spheres: number[];
  boxes: number[];
  triangles: number[];
  triangleNormals: number[];
  sphereMaterials: number[];
  boxMaterials: number[];
  triangleMaterials: number[];
  planes: number[];
  planeMaterial: number[];
  planeChecker: number[];
  planeCheckerSize: number[];
}

function compileGeometry(objects: ReadonlyArray<SceneObject>, frame: number, index: Map<string, number>): Geometry {
  const g: GeometryBuilder = {
    spheres: [], boxes: [], triangles: [], triangleNormals: [], sphereMaterials: [], boxMaterials: [],
    triangleMaterials: [], planes: [], planeMaterial: [], planeChecker: [], planeCheckerSize: [],
  };
  for (const object of objects) {
    const offset = translationAt(object.keyframes, frame);
    const material = index.get(object.material)!;
    if (object.type === 'sphere') {
      g.spheres.push(...add(object.center, offset), object.radius);
      g.sphereMaterials.push(material);
    } else if (object.type === 'box') {
      const center = add(offset, object.min.map((m, a) => (m + object.max[a]) / 2));
      const half = object.min.map((m, a) => (object.max[a] - m) / 2);
      const angle = (object.rotationYDegrees * Math.PI) / 180;
      g.boxes.push(...center, ...half, Math.cos(angle), Math.sin(angle));
      g.boxMaterials.push(material);
    } else if (object.type === 'plane') {
      const normal = normalize(object.normal);
      const [u, v] = basisOf(normal);
      g.planes.push(...add(object.point, offset), ...normal, ...u, ...v);
      g.planeMaterial.push(material);
      g.planeChecker.push(object.checker ? index.get(object.checker.material)! : -1);
      g.planeCheckerSize.push(object.checker ? object.checker.size : 1);
    } else {
      addMesh(g, object.vertices.map((v) => add(v, offset)), object.triangles, object.smooth, material);
    }
  }
  const boxes = primitiveBounds(g);
  const count = boxes.length / 6;
  return new Geometry({
    spheres: new Float64Array(g.spheres),
    boxes: new Float64Array(g.boxes),
    triangles: new Float64Array(g.triangles),
    triangleNormals: new Float64Array(g.triangleNormals),
    primitiveMaterial: new Int32Array([...g.sphereMaterials, ...g.boxMaterials, ...g.triangleMaterials]),
    planes: new Float64Array(g.planes),
    planeMaterial: new Int32Array(g.planeMaterial),
    planeChecker: new Int32Array(g.planeChecker),
    planeCheckerSize: new Float64Array(g.planeCheckerSize),
    bvh: buildBvh(boxes, count),
  });
}

function addMesh(g: GeometryBuilder, vertices: Vec3[], triangles: number[][], smooth: boolean, material: number): void {
  // Area-weighted vertex normals (the unnormalised cross product carries the area).
  const vertexNormals = smooth ? vertices.map((): Vec3 => [0, 0, 0]) : [];
  if (smooth) {
    for (const [a, b, c] of triangles) {
      const n = cross(sub(vertices[b], vertices[a]), sub(vertices[c], vertices[a]));
      for (const k of [a, b, c]) vertexNormals[k] = add(vertexNormals[k], n);
    }
  }
  for (const [a, b, c] of triangles) {
    const e1 = sub(vertices[b], vertices[a]);
    const e2 = sub(vertices[c], vertices[a]);
    const n = cross(e1, e2);
    if (length(n) < 1e-20) continue; // degenerate: can never be hit
    const unit = normalize(n);
    g.triangles.push(...vertices[a], ...e1, ...e2, ...unit);
    g.triangleMaterials.push(material);
    if (!smooth) {
      g.triangleNormals.push(NaN, 0, 0, 0, 0, 0, 0, 0, 0);
      continue;
    }
    for (const k of [a, b, c]) g.triangleNormals.push(...(length(vertexNormals[k]) > 0 ? normalize(vertexNormals[k]) : unit));
  }
}

/** Axis-aligned bounds of every bounded primitive, in primitive id order (spheres, boxes, triangles). */
function primitiveBounds(g: GeometryBuilder): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < g.spheres.length; i += 4) {
    const [x, y, z, r] = g.spheres.slice(i, i + 4);
    out.push(x - r, y - r, z - r, x + r, y + r, z + r);
  }
  for (let i = 0; i < g.boxes.length; i += 8) {
    const [x, y, z, hx, hy, hz, cos, sin] = g.boxes.slice(i, i + 8);
    const ex = Math.abs(cos) * hx + Math.abs(sin) * hz;
    const ez = Math.abs(sin) * hx + Math.abs(cos) * hz;
    out.push(x - ex, y - hy, z - ez, x + ex, y + hy, z + ez);
  }
  for (let i = 0; i < g.triangles.length; i += 12) {
    const t = g.triangles;
    const xs = [t[i], t[i] + t[i + 3], t[i] + t[i + 6]];
    const ys = [t[i + 1], t[i + 1] + t[i + 4], t[i + 1] + t[i + 7]];
    const zs = [t[i + 2], t[i + 2] + t[i + 5], t[i + 2] + t[i + 8]];
    out.push(Math.min(...xs), Math.min(...ys), Math.min(...zs), Math.max(...xs), Math.max(...ys), Math.max(...zs));
  }
  // Pad by a relative hair so rounding in the slab test cannot open cracks along flat (zero-thickness) boxes.
  for (let i = 0; i < out.length; i += 6) {
    for (let a = 0; a < 3; a++) {
      const pad = 1e-9 * (1 + Math.max(Math.abs(out[i + a]), Math.abs(out[i + 3 + a])));
      out[i + a] -= pad;
      out[i + 3 + a] += pad;
    }
  }
  return new Float64Array(out);
}

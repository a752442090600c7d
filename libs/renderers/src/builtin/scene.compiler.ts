import { cameraRigAt, type CameraRig } from './camera';
import type { Geometry } from './geometry';
import { buildGeometry } from './geometry.builder';
import type { Scene, SceneMaterial, Vec3 } from './scene.schema';
import { basisOf, normalize } from './vec3';

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
    geometry: buildGeometry(scene.objects, frame, index),
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

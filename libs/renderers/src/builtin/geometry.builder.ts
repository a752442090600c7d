import { buildBvh } from './bvh';
import { Geometry } from './geometry';
import { translationAt } from './keyframes';
import type { SceneObject } from './scene.schema';
import { basisOf, normalize } from './vec3';

/**
 * Flattens a frame's objects into the typed arrays of Geometry and builds the BVH. Meshes may hold
 * 200 000 triangles and every tile compiles its frame afresh, so triangles go straight into preallocated
 * arrays instead of through intermediate objects.
 */
export function buildGeometry(objects: ReadonlyArray<SceneObject>, frame: number, index: Map<string, number>): Geometry {
  let sphereCount = 0;
  let boxCount = 0;
  let triangleCount = 0;
  for (const object of objects) {
    if (object.type === 'sphere') sphereCount++;
    else if (object.type === 'box') boxCount++;
    else if (object.type === 'mesh') triangleCount += object.triangles.length;
  }
  const spheres = new Float64Array(sphereCount * 4);
  const boxes = new Float64Array(boxCount * 8);
  const mesh = { triangles: new Float64Array(triangleCount * 12), normals: new Float64Array(triangleCount * 9), count: 0 };
  const materials = new Int32Array(sphereCount + boxCount + triangleCount);
  const planes: number[] = [];
  const planeMaterial: number[] = [];
  const planeChecker: number[] = [];
  const planeCheckerSize: number[] = [];
  let s = 0;
  let b = 0;
  for (const object of objects) {
    const [tx, ty, tz] = translationAt(object.keyframes, frame);
    const material = index.get(object.material)!;
    if (object.type === 'sphere') {
      spheres.set([object.center[0] + tx, object.center[1] + ty, object.center[2] + tz, object.radius], s * 4);
      materials[s++] = material;
    } else if (object.type === 'box') {
      const { min, max } = object;
      const angle = (object.rotationYDegrees * Math.PI) / 180;
      boxes.set([(min[0] + max[0]) / 2 + tx, (min[1] + max[1]) / 2 + ty, (min[2] + max[2]) / 2 + tz,
        (max[0] - min[0]) / 2, (max[1] - min[1]) / 2, (max[2] - min[2]) / 2, Math.cos(angle), Math.sin(angle)], b * 8);
      materials[sphereCount + b++] = material;
    } else if (object.type === 'plane') {
      const normal = normalize(object.normal);
      const [u, v] = basisOf(normal);
      planes.push(object.point[0] + tx, object.point[1] + ty, object.point[2] + tz, ...normal, ...u, ...v);
      planeMaterial.push(material);
      planeChecker.push(object.checker ? index.get(object.checker.material)! : -1);
      planeCheckerSize.push(object.checker ? object.checker.size : 1);
    } else {
      const first = mesh.count;
      addMesh(mesh, object.vertices, object.triangles, object.smooth, [tx, ty, tz]);
      materials.fill(material, sphereCount + boxCount + first, sphereCount + boxCount + mesh.count);
    }
  }
  const primitives = sphereCount + boxCount + mesh.count;
  const bounds = primitiveBounds(spheres, boxes, mesh.triangles, mesh.count);
  return new Geometry({
    spheres,
    boxes,
    triangles: mesh.triangles.subarray(0, mesh.count * 12),
    triangleNormals: mesh.normals.subarray(0, mesh.count * 9),
    primitiveMaterial: materials.subarray(0, primitives),
    planes: new Float64Array(planes),
    planeMaterial: new Int32Array(planeMaterial),
    planeChecker: new Int32Array(planeChecker),
    planeCheckerSize: new Float64Array(planeCheckerSize),
    bvh: buildBvh(bounds, primitives),
  });
}

interface MeshArrays {
  triangles: Float64Array;
  normals: Float64Array;
  count: number;
}

/** Appends a mesh's triangles (v0, edge1, edge2, unit normal) and, if smooth, their vertex normals. */
function addMesh(out: MeshArrays, vertices: number[][], triangles: number[][], smooth: boolean, offset: number[]): void {
  const v = new Float64Array(vertices.length * 3);
  vertices.forEach((p, i) => v.set([p[0] + offset[0], p[1] + offset[1], p[2] + offset[2]], i * 3));
  const face = new Float64Array(3);
  // Area-weighted vertex normals: the unnormalised cross product carries the area.
  const vertexNormals = new Float64Array(smooth ? v.length : 0);
  if (smooth) {
    for (const corners of triangles) {
      faceNormal(v, corners, face);
      for (const k of corners) for (let a = 0; a < 3; a++) vertexNormals[k * 3 + a] += face[a];
    }
  }
  for (const corners of triangles) {
    const [i0, i1, i2] = corners;
    const length = faceNormal(v, corners, face);
    if (length < 1e-20) continue; // degenerate: can never be hit
    const o = out.count * 12;
    const t = out.triangles;
    for (let a = 0; a < 3; a++) {
      t[o + a] = v[i0 * 3 + a];
      t[o + 3 + a] = v[i1 * 3 + a] - v[i0 * 3 + a];
      t[o + 6 + a] = v[i2 * 3 + a] - v[i0 * 3 + a];
      t[o + 9 + a] = face[a] / length;
    }
    const n = out.count * 9;
    out.count++;
    if (!smooth) {
      out.normals[n] = NaN; // flat: Geometry uses the face normal
      continue;
    }
    corners.forEach((k, c) => {
      const x = vertexNormals[k * 3];
      const y = vertexNormals[k * 3 + 1];
      const z = vertexNormals[k * 3 + 2];
      const len = Math.sqrt(x * x + y * y + z * z);
      for (let a = 0; a < 3; a++) out.normals[n + c * 3 + a] = len > 0 ? vertexNormals[k * 3 + a] / len : t[o + 9 + a];
    });
  }
}

/** Writes the unnormalised normal of triangle `corners` into `out` and returns its length. */
function faceNormal(v: Float64Array, corners: number[], out: Float64Array): number {
  const [i0, i1, i2] = corners;
  const e1x = v[i1 * 3] - v[i0 * 3], e1y = v[i1 * 3 + 1] - v[i0 * 3 + 1], e1z = v[i1 * 3 + 2] - v[i0 * 3 + 2];
  const e2x = v[i2 * 3] - v[i0 * 3], e2y = v[i2 * 3 + 1] - v[i0 * 3 + 1], e2z = v[i2 * 3 + 2] - v[i0 * 3 + 2];
  out[0] = e1y * e2z - e1z * e2y;
  out[1] = e1z * e2x - e1x * e2z;
  out[2] = e1x * e2y - e1y * e2x;
  return Math.sqrt(out[0] * out[0] + out[1] * out[1] + out[2] * out[2]);
}

/** Axis-aligned bounds of every bounded primitive, in primitive id order (spheres, boxes, triangles). */
function primitiveBounds(spheres: Float64Array, boxes: Float64Array, triangles: Float64Array, triangleCount: number): Float64Array {
  const sphereCount = spheres.length / 4;
  const boxCount = boxes.length / 8;
  const out = new Float64Array((sphereCount + boxCount + triangleCount) * 6);
  for (let i = 0; i < sphereCount; i++) {
    const r = spheres[i * 4 + 3];
    for (let a = 0; a < 3; a++) {
      out[i * 6 + a] = spheres[i * 4 + a] - r;
      out[i * 6 + 3 + a] = spheres[i * 4 + a] + r;
    }
  }
  for (let i = 0; i < boxCount; i++) {
    const o = i * 8;
    const cos = Math.abs(boxes[o + 6]);
    const sin = Math.abs(boxes[o + 7]);
    const extent = [cos * boxes[o + 3] + sin * boxes[o + 5], boxes[o + 4], sin * boxes[o + 3] + cos * boxes[o + 5]];
    for (let a = 0; a < 3; a++) {
      out[(sphereCount + i) * 6 + a] = boxes[o + a] - extent[a];
      out[(sphereCount + i) * 6 + 3 + a] = boxes[o + a] + extent[a];
    }
  }
  for (let i = 0; i < triangleCount; i++) {
    const t = i * 12;
    const o = (sphereCount + boxCount + i) * 6;
    for (let a = 0; a < 3; a++) {
      const p0 = triangles[t + a];
      const p1 = p0 + triangles[t + 3 + a];
      const p2 = p0 + triangles[t + 6 + a];
      out[o + a] = Math.min(p0, p1, p2);
      out[o + 3 + a] = Math.max(p0, p1, p2);
    }
  }
  // Pad by a relative hair so rounding in the slab test cannot open cracks along flat (zero-thickness) boxes.
  for (let i = 0; i < out.length; i += 6) {
    for (let a = 0; a < 3; a++) {
      const pad = 1e-9 * (1 + Math.max(Math.abs(out[i + a]), Math.abs(out[i + 3 + a])));
      out[i + a] -= pad;
      out[i + 3 + a] += pad;
    }
  }
  return out;
}

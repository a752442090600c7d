import type { z } from 'zod';
import { SceneError, type SceneInfo } from '../renderer';
import { findJsonSyntaxError } from './json-syntax';
import { SCENE_LIMITS, sceneSchema, type Scene } from './scene.schema';

/** At most this many problems go into one SceneError message; an artist fixes them a few at a time. */
const MAX_REPORTED_ISSUES = 10;

type Path = ReadonlyArray<PropertyKey>;

/** Parses and validates the text of a scene file. Throws SceneError naming the line or field at fault. */
export function parseScene(text: string): Scene {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const found = findJsonSyntaxError(source);
    const where = found ? `line ${found.line}, column ${found.column}: ${found.problem}` : (error as Error).message;
    throw new SceneError(`scene is not valid JSON: ${where}`);
  }
  return validateScene(value);
}

/** Validates an already decoded scene and fills in its defaults. Throws SceneError listing every problem. */
export function validateScene(value: unknown): Scene {
  const parsed = sceneSchema.safeParse(value);
  const issues = parsed.success
    ? checkReferencesAndGeometry(parsed.data)
    : parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue, value)}`);
  if (issues.length > 0) throw new SceneError(summarise(issues));
  return parsed.data as Scene;
}

/** What the API shows an artist at upload time and uses as job defaults. */
export function describeScene(scene: Scene): SceneInfo {
  const triangles = scene.objects.reduce((n, o) => n + (o.type === 'mesh' ? o.triangles.length : 0), 0);
  const notes = [
    `builtin path tracer: ${scene.maxBounces} bounces, ${scene.samples} samples per pixel by default`,
    `${scene.objects.length} objects (${triangles} mesh triangles), ${Object.keys(scene.materials).length} materials`,
    scene.camera.keyframes.length > 0
      ? `camera animated by ${scene.camera.keyframes.length} keyframes`
      : 'camera is static',
    scene.sky.sun ? 'sky with sun' : 'sky without sun',
  ];
  return {
    frameStart: scene.animation.frameStart,
    frameEnd: scene.animation.frameEnd,
    width: scene.resolution.width,
    height: scene.resolution.height,
    samples: scene.samples,
    notes,
  };
}

/** `objects[3].material`, `materials["my mat"].albedo`; the root is called `scene`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(key))) out += out === '' ? String(key) : `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? 'scene' : out;
}

function summarise(issues: string[]): string {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES);
  if (issues.length > shown.length) shown.push(`... and ${issues.length - shown.length} more problems`);
  return shown.join('\n');
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const value = valueAt(root, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'an integer' : `${article(issue.expected)} ${issue.expected}`;
      return value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${kindOf(value)}`;
    }
    case 'too_small':
    case 'too_big':
      return describeBound(issue);
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (!options) return issue.message;
      const expected = `expected one of: ${options.join(', ')}`;
      return value === undefined ? `missing (${expected})` : `unknown type ${JSON.stringify(value)}; ${expected}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${JSON.stringify(value)}`;
    case 'invalid_key':
      return `invalid name: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    default:
      return issue.message;
  }
}

function describeBound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  if (issue.origin === 'array') {
    const items = `${limit} item${limit === 1 ? '' : 's'}`;
    return small ? `must have at least ${items}` : `must have at most ${items}`;
  }
  if (issue.origin === 'string') return small ? `must have at least ${limit} characters` : `must have at most ${limit} characters`;
  const operator = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `must be ${operator} ${limit}`;
}

function valueAt(root: unknown, path: Path): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return `the number ${value}`;
  return `${article(typeof value)} ${typeof value}`;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/** Checks zod cannot express per field: names that must exist, orderings, degenerate geometry, totals. */
function checkReferencesAndGeometry(scene: Scene): string[] {
  const issues: string[] = [];
  const defined = Object.keys(scene.materials);
  const checkMaterial = (name: string, path: Path): void => {
    if (Object.hasOwn(scene.materials, name)) return;
    issues.push(`${formatPath(path)}: unknown material ${JSON.stringify(name)}; defined: ${defined.join(', ') || '(none)'}`);
  };
  if (defined.length > SCENE_LIMITS.maxMaterials) {
    issues.push(`materials: ${defined.length} materials; the limit is ${SCENE_LIMITS.maxMaterials}`);
  }
  const { frameStart, frameEnd } = scene.animation;
  if (frameEnd < frameStart) issues.push(`animation.frameEnd: must be >= frameStart (${frameStart}), got ${frameEnd}`);
  checkCamera(scene, issues);
  if (scene.sky.sun && isZero(scene.sky.sun.direction)) issues.push('sky.sun.direction: must not be the zero vector');

  let planes = 0;
  let triangles = 0;
  let vertices = 0;
  scene.objects.forEach((object, i) => {
    checkMaterial(object.material, ['objects', i, 'material']);
    checkKeyframeOrder(object.keyframes, ['objects', i, 'keyframes'], issues);
    if (object.type === 'plane') {
      planes++;
      if (isZero(object.normal)) issues.push(`${formatPath(['objects', i, 'normal'])}: must not be the zero vector`);
      if (object.checker) checkMaterial(object.checker.material, ['objects', i, 'checker', 'material']);
    } else if (object.type === 'box') {
      if (object.min.some((m, axis) => m >= object.max[axis])) {
        issues.push(`${formatPath(['objects', i, 'max'])}: must be greater than min on every axis`);
      }
    } else if (object.type === 'mesh') {
      triangles += object.triangles.length;
      vertices += object.vertices.length;
      checkMeshIndices(object.vertices.length, object.triangles, ['objects', i, 'triangles'], issues);
    }
  });
  if (planes > SCENE_LIMITS.maxPlanes) issues.push(`objects: ${planes} planes; the limit is ${SCENE_LIMITS.maxPlanes}`);
  if (triangles > SCENE_LIMITS.maxTriangles) {
    issues.push(`objects: meshes have ${triangles} triangles in total; the limit is ${SCENE_LIMITS.maxTriangles}`);
  }
  if (vertices > SCENE_LIMITS.maxVertices) {
    issues.push(`objects: meshes have ${vertices} vertices in total; the limit is ${SCENE_LIMITS.maxVertices}`);
  }
  return issues;
}

function checkCamera(scene: Scene, issues: string[]): void {
  const { camera } = scene;
  const checkView = (position: number[], target: number[], path: Path): void => {
    const forward = [target[0] - position[0], target[1] - position[1], target[2] - position[2]];
    if (isZero(forward)) {
      issues.push(`${formatPath(path)}: position and target must differ`);
      return;
    }
    const [ux, uy, uz] = camera.up;
    const cross = [forward[1] * uz - forward[2] * uy, forward[2] * ux - forward[0] * uz, forward[0] * uy - forward[1] * ux];
    if (isZero(camera.up)) issues.push('camera.up: must not be the zero vector');
    else if (isZero(cross)) issues.push(`${formatPath(path)}: the view direction must not be parallel to camera.up`);
  };
  checkView(camera.position, camera.target, ['camera']);
  camera.keyframes.forEach((key, i) => checkView(key.position, key.target, ['camera', 'keyframes', i]));
  checkKeyframeOrder(camera.keyframes, ['camera', 'keyframes'], issues);
}

function checkKeyframeOrder(keys: ReadonlyArray<{ frame: number }>, path: Path, issues: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    if (keys[i].frame <= keys[i - 1].frame) {
      issues.push(
        `${formatPath([...path, i, 'frame'])}: keyframes must be in increasing frame order ` +
          `(${keys[i].frame} follows ${keys[i - 1].frame})`,
      );
      return;
    }
  }
}

function checkMeshIndices(vertexCount: number, triangles: number[][], path: Path, issues: string[]): void {
  for (let t = 0; t < triangles.length; t++) {
    for (let corner = 0; corner < 3; corner++) {
      const index = triangles[t][corner];
      if (index >= vertexCount) {
        issues.push(
          `${formatPath([...path, t, corner])}: vertex index ${index} out of range (the mesh has ${vertexCount} vertices)`,
        );
        return; // one per mesh: a bad exporter would otherwise produce thousands of lines
      }
    }
  }
}

function isZero(v: ReadonlyArray<number>): boolean {
  return Math.hypot(v[0], v[1], v[2]) < 1e-12;
}

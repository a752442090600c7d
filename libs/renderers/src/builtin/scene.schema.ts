import { z } from 'zod';

/**
 * The builtin renderer's scene format, `tessera-scene/1`. docs/scene-format.md is the prose version of
 * this file: keep the two in step. Every object is strict, so a misspelt field is an error rather than a
 * silently ignored setting that would make a farm render the wrong picture.
 */
export const SCENE_FORMAT = 'tessera-scene/1';

/** Limits that keep one scene from exhausting a worker (file size is capped before we ever see it). */
export const SCENE_LIMITS = {
  maxResolution: 16384,
  maxSamples: 65536,
  maxBounces: 32,
  maxFrame: 1_000_000,
  maxMaterials: 1000,
  maxObjects: 10_000,
  maxPlanes: 16,
  maxKeyframes: 10_000,
  /** Summed over every mesh of the scene. */
  maxTriangles: 200_000,
  maxVertices: 200_000,
  maxCoordinate: 1e6,
} as const;

const coordinate = z.number().min(-SCENE_LIMITS.maxCoordinate).max(SCENE_LIMITS.maxCoordinate);
const vec3 = z.tuple([coordinate, coordinate, coordinate]);
/** Linear RGB; 1 is "full" for reflectances, emission and sky may go above. */
const colour = z.tuple([z.number().min(0).max(1e6), z.number().min(0).max(1e6), z.number().min(0).max(1e6)]);
const reflectance = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)]);
const frameNumber = z.number().int().min(-SCENE_LIMITS.maxFrame).max(SCENE_LIMITS.maxFrame);
export const MATERIAL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const materialName = z.string().regex(MATERIAL_NAME_PATTERN, {
  message: 'must be 1-64 characters of letters, digits, "_", "." or "-"',
});

export const cameraKeyframeSchema = z
  .object({
    frame: frameNumber,
    position: vec3,
    target: vec3,
    fovDegrees: z.number().min(1).max(179).optional(),
  })
  .strict();

export const cameraSchema = z
  .object({
    position: vec3,
    target: vec3,
    up: vec3.default([0, 1, 0]),
    fovDegrees: z.number().min(1).max(179).default(50),
    aperture: z.number().min(0).max(1e3).default(0),
    focusDistance: z.number().positive().max(1e7).optional(),
    keyframes: z.array(cameraKeyframeSchema).max(SCENE_LIMITS.maxKeyframes).default([]),
  })
  .strict();

export const sunSchema = z
  .object({
    direction: vec3,
    color: colour.default([1, 1, 1]),
    intensity: z.number().min(0).max(1e6).default(3),
    angularDiameterDegrees: z.number().min(0.05).max(45).default(0.53),
  })
  .strict();

export const skySchema = z
  .object({
    horizon: colour.default([0.85, 0.9, 1]),
    zenith: colour.default([0.3, 0.5, 0.9]),
    ground: colour.default([0.35, 0.33, 0.3]),
    intensity: z.number().min(0).max(1e6).default(1),
    sun: sunSchema.optional(),
  })
  .strict();

export const MATERIAL_TYPES = ['diffuse', 'metal', 'glass', 'emissive'] as const;

export const materialSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('diffuse'), albedo: reflectance }).strict(),
  z.object({ type: z.literal('metal'), albedo: reflectance, roughness: z.number().min(0).max(1).default(0) }).strict(),
  z
    .object({ type: z.literal('glass'), ior: z.number().min(1).max(4).default(1.5), tint: reflectance.default([1, 1, 1]) })
    .strict(),
  z
    .object({ type: z.literal('emissive'), color: colour.default([1, 1, 1]), intensity: z.number().min(0).max(1e6).default(1) })
    .strict(),
]);

export const translationKeyframeSchema = z.object({ frame: frameNumber, translate: vec3 }).strict();

/** Fields every object shares. */
const objectBase = {
  name: z.string().max(128).optional(),
  material: materialName,
  keyframes: z.array(translationKeyframeSchema).max(SCENE_LIMITS.maxKeyframes).default([]),
};

export const OBJECT_TYPES = ['sphere', 'plane', 'box', 'mesh'] as const;

const vertexIndex = z.number().int().min(0);

export const objectSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sphere'), ...objectBase, center: vec3, radius: z.number().positive().max(1e6) }).strict(),
  z
    .object({
      type: z.literal('plane'),
      ...objectBase,
      point: vec3.default([0, 0, 0]),
      normal: vec3.default([0, 1, 0]),
      checker: z.object({ material: materialName, size: z.number().positive().max(1e6).default(1) }).strict().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('box'),
      ...objectBase,
      min: vec3,
      max: vec3,
      rotationYDegrees: z.number().min(-360).max(360).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal('mesh'),
      ...objectBase,
      vertices: z.array(vec3).min(3).max(SCENE_LIMITS.maxVertices),
      triangles: z.array(z.tuple([vertexIndex, vertexIndex, vertexIndex])).min(1).max(SCENE_LIMITS.maxTriangles),
      smooth: z.boolean().default(false),
    })
    .strict(),
]);

export const sceneSchema = z
  .object({
    format: z.literal(SCENE_FORMAT),
    resolution: z
      .object({
        width: z.number().int().min(1).max(SCENE_LIMITS.maxResolution),
        height: z.number().int().min(1).max(SCENE_LIMITS.maxResolution),
      })
      .strict()
      .default({ width: 640, height: 360 }),
    samples: z.number().int().min(1).max(SCENE_LIMITS.maxSamples).default(16),
    maxBounces: z.number().int().min(1).max(SCENE_LIMITS.maxBounces).default(6),
    clampIndirect: z.number().min(0).max(1e6).default(10),
    exposure: z.number().min(-16).max(16).default(0),
    animation: z
      .object({
        frameStart: frameNumber.default(1),
        frameEnd: frameNumber.default(1),
        fps: z.number().positive().max(1000).default(24),
      })
      .strict()
      .default({ frameStart: 1, frameEnd: 1, fps: 24 }),
    camera: cameraSchema,
    sky: skySchema.default({
      horizon: [0.85, 0.9, 1],
      zenith: [0.3, 0.5, 0.9],
      ground: [0.35, 0.33, 0.3],
      intensity: 1,
    }),
    materials: z.record(materialName, materialSchema),
    objects: z.array(objectSchema).min(1).max(SCENE_LIMITS.maxObjects),
  })
  .strict();

/** A validated scene with every default filled in: what the renderer works from. */
export type Scene = z.output<typeof sceneSchema>;
/** What a scene file may contain (defaults not yet applied). */
export type SceneInput = z.input<typeof sceneSchema>;
export type SceneMaterial = z.output<typeof materialSchema>;
export type SceneObject = z.output<typeof objectSchema>;
export type SceneCamera = z.output<typeof cameraSchema>;
export type SceneSky = z.output<typeof skySchema>;
export type Vec3 = [number, number, number];

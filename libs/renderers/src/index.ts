export * from './renderer';
export * from './registry';
export { BuiltinRenderer, BUILTIN_DEVICE, BUILTIN_RENDERER_VERSION } from './builtin/builtin.renderer';
export { parseScene, validateScene, describeScene } from './builtin/scene.parser';
export { renderRegion, type RenderRegionOptions } from './builtin/path-tracer';
export { toPixels, encodeSrgb, type PixelBitDepth } from './builtin/tone-map';
export { interpolate, type Keyframe } from './builtin/keyframes';
export { cameraPoseAt, type CameraPose } from './builtin/camera';
export {
  SCENE_FORMAT,
  SCENE_LIMITS,
  sceneSchema,
  type Scene,
  type SceneInput,
  type SceneMaterial,
  type SceneObject,
  type SceneCamera,
  type SceneSky,
  type Vec3,
} from './builtin/scene.schema';

export * from './renderer';
export * from './registry';
export { BuiltinRenderer, BUILTIN_DEVICE, BUILTIN_RENDERER_VERSION } from './builtin/builtin.renderer';
export { parseScene, validateScene, describeScene } from './builtin/scene.parser';
export { renderRegion, toPixels, encodeSrgb, type RenderRegionOptions, type PixelBitDepth } from './builtin/render-region';
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

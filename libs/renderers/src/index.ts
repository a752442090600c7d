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
export { detectSceneKind, sceneKindOf, describeSceneKind, isBlendKind, type SceneKind } from './archive/scene-kind';
export { extractZip, DEFAULT_ZIP_LIMITS, type ZipLimits, type ExtractOptions } from './archive/zip-extract';
export { SceneWorkspace, findMainFile, type PreparedScene, type SceneFormat } from './archive/scene-workspace';
export { BlenderRenderer, type BlenderRendererOptions, type BlenderDevice } from './blender/blender.renderer';
export { blenderBorder, regionOfBorder, type BlenderBorder } from './blender/blender-border';
export { ensureBlenderExample, BLENDER_EXAMPLE_BUILD_DIR, BLENDER_EXAMPLE_FILE } from './blender/blender-example';
export { Sandbox } from './blender/sandbox';
export { buildZip, type ZipEntrySpec } from './archive/zip-writer';
export { PovrayRenderer, type PovrayRendererOptions } from './povray/povray.renderer';
export { ensurePovrayExample, POVRAY_EXAMPLE_BUILD_DIR, POVRAY_EXAMPLE_FILE } from './povray/povray-example';
export { POVRAY_BLOCK_SIZE, POVRAY_DEFAULT_SAMPLES } from './povray/povray-scene';

import { interpolate } from './keyframes';
import { cross, length, normalize, scale, sub } from './vec3';
import type { SceneCamera, Vec3 } from './scene.schema';

/** Where the camera is at one frame, after keyframe interpolation. */
export interface CameraPose {
  position: Vec3;
  target: Vec3;
  fovDegrees: number;
}

/**
 * The ready-to-shoot camera of a frame: an orthonormal basis and the lens. `right`/`up` are scaled so
 * that a pixel's direction is `forward + right * sx + up * sy` with sx, sy in [-1, 1].
 */
export interface CameraRig {
  origin: Vec3;
  forward: Vec3;
  right: Vec3;
  up: Vec3;
  /** Unit right and up, for placing points on the lens. */
  lensRight: Vec3;
  lensUp: Vec3;
  lensRadius: number;
  focusDistance: number;
}

/**
 * Position and target (and field of view) at `frame`. With keyframes, position, target and fov are each
 * interpolated (see keyframes.ts); a keyframe without fovDegrees uses the camera's own fovDegrees.
 */
export function cameraPoseAt(camera: SceneCamera, frame: number): CameraPose {
  const keys = camera.keyframes;
  if (keys.length === 0) {
    return { position: [...camera.position], target: [...camera.target], fovDegrees: camera.fovDegrees };
  }
  const [px, py, pz, tx, ty, tz, fov] = interpolate(
    keys.map((key) => ({
      frame: key.frame,
      value: [...key.position, ...key.target, key.fovDegrees ?? camera.fovDegrees],
    })),
    frame,
  );
  return { position: [px, py, pz], target: [tx, ty, tz], fovDegrees: Math.min(179, Math.max(1, fov)) };
}

/** Builds the frame's camera for an image of `width` x `height` pixels (the aspect ratio comes from them). */
export function cameraRigAt(camera: SceneCamera, frame: number, width: number, height: number): CameraRig {
  const pose = cameraPoseAt(camera, frame);
  const forward = normalize(sub(pose.target, pose.position));
  let right = cross(forward, camera.up);
  if (length(right) < 1e-9) right = cross(forward, Math.abs(forward[0]) < 0.9 ? [1, 0, 0] : [0, 0, 1]);
  right = normalize(right);
  const up = cross(right, forward);
  const tanHalf = Math.tan((pose.fovDegrees * Math.PI) / 360);
  const aspect = width / height;
  return {
    origin: pose.position,
    forward,
    right: scale(right, tanHalf * aspect),
    up: scale(up, tanHalf),
    lensRight: right,
    lensUp: up,
    lensRadius: camera.aperture / 2,
    focusDistance: camera.focusDistance ?? length(sub(pose.target, pose.position)),
  };
}

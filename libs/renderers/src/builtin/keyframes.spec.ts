import { cameraPoseAt, cameraRigAt } from './camera';
import { interpolate, translationAt } from './keyframes';
import { validateScene } from './scene.parser';

const keys = [
  { frame: 1, value: [0, 10] },
  { frame: 5, value: [4, 20] },
  { frame: 9, value: [0, 10] },
  { frame: 21, value: [12, 0] },
];

describe('keyframes', () => {
  it('passes through every keyframe', () => {
    for (const key of keys) expect(interpolate(keys, key.frame)).toEqual(key.value);
  });

  it('holds the first and last values outside the keyframed range', () => {
    expect(interpolate(keys, -100)).toEqual([0, 10]);
    expect(interpolate(keys, 0)).toEqual([0, 10]);
    expect(interpolate(keys, 22)).toEqual([12, 0]);
  });

  it('keeps constant-speed motion on a line exact', () => {
    const line = [0, 2, 4, 8].map((f) => ({ frame: f, value: [3 * f, -f] }));
    for (let f = 0; f <= 8; f += 0.5) {
      const [x, y] = interpolate(line, f);
      expect(x).toBeCloseTo(3 * f, 12);
      expect(y).toBeCloseTo(-f, 12);
    }
  });

  it('is smooth across a keyframe (Catmull-Rom tangents in frames)', () => {
    const h = 1e-4;
    const slope = (f: number): number => (interpolate(keys, f + h)[0] - interpolate(keys, f - h)[0]) / (2 * h);
    // Tangent at frame 9 = (12 - 4) / (21 - 5) = 0.5, approached from both sides.
    expect((interpolate(keys, 9)[0] - interpolate(keys, 9 - h)[0]) / h).toBeCloseTo(0.5, 3);
    expect((interpolate(keys, 9 + h)[0] - interpolate(keys, 9)[0]) / h).toBeCloseTo(0.5, 3);
    // The peak at frame 5 has a zero tangent.
    expect(slope(5)).toBeCloseTo(0, 3);
  });

  it('gives a single keyframe everywhere', () => {
    expect(interpolate([{ frame: 3, value: [1, 2, 3] }], 100)).toEqual([1, 2, 3]);
  });

  it('translates objects only when they have keyframes', () => {
    expect(translationAt([], 5)).toEqual([0, 0, 0]);
    expect(translationAt([{ frame: 1, translate: [0, 0, 0] }, { frame: 3, translate: [2, 4, 6] }], 2)).toEqual([1, 2, 3]);
  });
});

describe('camera', () => {
  const scene = validateScene({
    format: 'tessera-scene/1',
    camera: {
      position: [9, 9, 9],
      target: [0, 0, 0],
      fovDegrees: 40,
      keyframes: [
        { frame: 1, position: [0, 1, 10], target: [0, 0, 0] },
        { frame: 11, position: [10, 1, 0], target: [0, 1, 0], fovDegrees: 60 },
      ],
    },
    materials: { m: { type: 'diffuse', albedo: [0.5, 0.5, 0.5] } },
    objects: [{ type: 'sphere', center: [0, 0, 0], radius: 1, material: 'm' }],
  });

  it('follows keyframes, with a missing fov taken from the camera', () => {
    expect(cameraPoseAt(scene.camera, 1)).toEqual({ position: [0, 1, 10], target: [0, 0, 0], fovDegrees: 40 });
    expect(cameraPoseAt(scene.camera, 11)).toEqual({ position: [10, 1, 0], target: [0, 1, 0], fovDegrees: 60 });
    expect(cameraPoseAt(scene.camera, 6)).toEqual({ position: [5, 1, 5], target: [0, 0.5, 0], fovDegrees: 50 });
    expect(cameraPoseAt(scene.camera, 40)).toEqual(cameraPoseAt(scene.camera, 11));
  });

  it('uses the static pose without keyframes', () => {
    const still = { ...scene.camera, keyframes: [] };
    expect(cameraPoseAt(still, 6)).toEqual({ position: [9, 9, 9], target: [0, 0, 0], fovDegrees: 40 });
  });

  it('builds an orthonormal rig scaled by the field of view and aspect', () => {
    const rig = cameraRigAt(scene.camera, 1, 200, 100);
    expect(rig.forward[0]).toBeCloseTo(0, 12);
    expect(rig.forward[2]).toBeCloseTo(-0.995037, 5);
    const tanHalf = Math.tan((40 * Math.PI) / 360);
    expect(Math.hypot(...rig.up)).toBeCloseTo(tanHalf, 12);
    expect(Math.hypot(...rig.right)).toBeCloseTo(2 * tanHalf, 12);
    expect(rig.right[0]).toBeGreaterThan(0); // +x is to the right when looking down -z
    expect(rig.focusDistance).toBeCloseTo(Math.hypot(1, 10), 12);
  });
});

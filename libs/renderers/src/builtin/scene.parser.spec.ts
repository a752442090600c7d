import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SceneError } from '../renderer';
import { describeScene, formatPath, parseScene, validateScene } from './scene.parser';
import { SCENE_LIMITS } from './scene.schema';

const examples = join(__dirname, '../../../../examples');

/** A small valid scene; each test breaks one thing in a fresh copy. */
function scene(): Record<string, any> {
  return {
    format: 'tessera-scene/1',
    camera: { position: [0, 1, 5], target: [0, 0, 0] },
    materials: { red: { type: 'diffuse', albedo: [0.8, 0.1, 0.1] }, glass: { type: 'glass' } },
    objects: [
      { type: 'sphere', center: [0, 0, 0], radius: 1, material: 'red' },
      { type: 'plane', material: 'red' },
    ],
  };
}

function problem(value: unknown): string {
  try {
    validateScene(value);
  } catch (error) {
    expect(error).toBeInstanceOf(SceneError);
    return (error as Error).message;
  }
  throw new Error('scene was accepted');
}

describe('scene parser', () => {
  describe('good scenes', () => {
    it('accepts the examples', () => {
      const orbit = parseScene(readFileSync(join(examples, 'orbit.scene.json'), 'utf8'));
      expect(describeScene(orbit)).toMatchObject({ frameStart: 1, frameEnd: 24, width: 640, height: 360, samples: 16 });
      const still = parseScene(readFileSync(join(examples, 'still.scene.json'), 'utf8'));
      expect(describeScene(still)).toMatchObject({ frameStart: 1, frameEnd: 1, width: 64, height: 48 });
    });

    it('fills in documented defaults', () => {
      const parsed = validateScene(scene());
      expect(parsed.resolution).toEqual({ width: 640, height: 360 });
      expect(parsed).toMatchObject({ samples: 16, maxBounces: 6, clampIndirect: 10, exposure: 0 });
      expect(parsed.animation).toEqual({ frameStart: 1, frameEnd: 1, fps: 24 });
      expect(parsed.camera).toMatchObject({ up: [0, 1, 0], fovDegrees: 50, aperture: 0, keyframes: [] });
      expect(parsed.materials.glass).toEqual({ type: 'glass', ior: 1.5, tint: [1, 1, 1] });
      expect(parsed.objects[1]).toMatchObject({ point: [0, 0, 0], normal: [0, 1, 0], keyframes: [] });
      expect(parsed.sky.sun).toBeUndefined();
    });

    it('ignores a UTF-8 byte order mark', () => {
      expect(parseScene('\ufeff' + JSON.stringify(scene())).format).toBe('tessera-scene/1');
    });
  });

  describe('bad scenes name the path and the problem', () => {
    const cases: Array<[string, (s: Record<string, any>) => unknown, string]> = [
      ['unknown material', (s) => { s.objects[0].material = 'chrome'; }, 'objects[0].material: unknown material "chrome"; defined: red, glass'],
      ['unknown checker material', (s) => { s.objects[1].checker = { material: 'tiles' }; }, 'objects[1].checker.material: unknown material "tiles"; defined: red, glass'],
      ['misspelt field', (s) => { s.objects[0].radus = 2; }, 'objects[0]: unknown field "radus"'],
      ['unknown top-level field', (s) => { s.lights = []; }, 'scene: unknown field "lights"'],
      ['unknown object type', (s) => { s.objects[1] = { type: 'cone', material: 'red' }; }, 'objects[1].type: unknown type "cone"; expected one of: sphere, plane, box, mesh'],
      ['missing object type', (s) => { delete s.objects[0].type; }, 'objects[0].type: missing (expected one of: sphere, plane, box, mesh)'],
      ['unknown material type', (s) => { s.materials.red = { type: 'plastic' }; }, 'materials.red.type: unknown type "plastic"; expected one of: diffuse, metal, glass, emissive'],
      ['missing field', (s) => { delete s.objects[0].radius; }, 'objects[0].radius: missing (expected a number)'],
      ['wrong type', (s) => { s.objects[0].radius = '1'; }, 'objects[0].radius: expected a number, got a string'],
      ['negative radius', (s) => { s.objects[0].radius = -1; }, 'objects[0].radius: must be > 0'],
      ['short vector', (s) => { s.objects[0].center = [0, 0]; }, 'objects[0].center: must have at least 3 items'],
      ['albedo above 1', (s) => { s.materials.red.albedo = [1.2, 0, 0]; }, 'materials.red.albedo[0]: must be <= 1'],
      ['fractional samples', (s) => { s.samples = 1.5; }, 'samples: expected an integer, got the number 1.5'],
      ['too many samples', (s) => { s.samples = 1e9; }, `samples: must be <= ${SCENE_LIMITS.maxSamples}`],
      ['wrong format', (s) => { s.format = 'tessera-scene/2'; }, 'format: expected "tessera-scene/1", got "tessera-scene/2"'],
      ['no objects', (s) => { s.objects = []; }, 'objects: must have at least 1 item'],
      ['bad material name', (s) => { s.materials['my red'] = s.materials.red; }, 'materials["my red"]: invalid name: must be 1-64 characters of letters, digits, "_", "." or "-"'],
      ['camera looking at itself', (s) => { s.camera.target = [0, 1, 5]; }, 'camera: position and target must differ'],
      ['camera looking straight up', (s) => { s.camera.target = [0, 9, 5]; }, 'camera: the view direction must not be parallel to camera.up'],
      ['keyframes out of order', (s) => {
        s.camera.keyframes = [
          { frame: 5, position: [0, 1, 5], target: [0, 0, 0] },
          { frame: 3, position: [1, 1, 5], target: [0, 0, 0] },
        ];
      }, 'camera.keyframes[1].frame: keyframes must be in increasing frame order (3 follows 5)'],
      ['frame range reversed', (s) => { s.animation = { frameStart: 10, frameEnd: 2 }; }, 'animation.frameEnd: must be >= frameStart (10), got 2'],
      ['inside-out box', (s) => { s.objects.push({ type: 'box', min: [0, 0, 0], max: [1, -1, 1], material: 'red' }); }, 'objects[2].max: must be greater than min on every axis'],
      ['zero plane normal', (s) => { s.objects[1].normal = [0, 0, 0]; }, 'objects[1].normal: must not be the zero vector'],
      ['mesh index out of range', (s) => {
        s.objects.push({ type: 'mesh', material: 'red', vertices: [[0, 0, 0], [1, 0, 0], [0, 1, 0]], triangles: [[0, 1, 2], [0, 2, 3]] });
      }, 'objects[2].triangles[1][2]: vertex index 3 out of range (the mesh has 3 vertices)'],
      ['not an object', () => [], 'scene: expected an object, got an array'],
    ];
    it.each(cases)('%s', (_name, breakIt, message) => {
      const s = scene();
      const replaced = breakIt(s);
      expect(problem(replaced ?? s)).toBe(message);
    });

    it('lists several problems, one per line', () => {
      const s = scene();
      s.objects[0].radius = 0;
      s.objects[1].material = 'nope';
      s.samples = 0;
      expect(problem(s).split('\n')).toEqual(['samples: must be >= 1', 'objects[0].radius: must be > 0']);
      // Reference checks run once the shapes are right, so the unknown material shows up next.
      s.objects[0].radius = 1;
      s.samples = 1;
      expect(problem(s)).toBe('objects[1].material: unknown material "nope"; defined: red, glass');
    });

    it('caps the total mesh size', () => {
      const s = scene();
      const vertices = [[0, 0, 0], [1, 0, 0], [0, 1, 0]];
      const triangles = Array.from({ length: 100_001 }, () => [0, 1, 2]);
      s.objects.push({ type: 'mesh', material: 'red', vertices, triangles }, { type: 'mesh', material: 'red', vertices, triangles });
      expect(problem(s)).toBe(`objects: meshes have 200002 triangles in total; the limit is ${SCENE_LIMITS.maxTriangles}`);
    });
  });

  describe('JSON syntax errors', () => {
    it.each([
      ['{\n  "format": "tessera-scene/1",\n  "samples": 4,\n}', 'line 4, column 1: expected a double-quoted property name but found "}"'],
      ['{\n  "samples": tru\n}', 'line 2, column 14: expected a value but found "t"'],
      ['{"a": [1, 2}', 'line 1, column 12: expected "," or "]" but found "}"'],
      ['{"a": 1', 'line 1, column 8: expected "," or "}" but found the end of the input'],
      ['', 'line 1, column 1: expected a value but found the end of the input'],
      ['{"a": "x\ny"}', 'line 1, column 9: control character inside a string (escape it, e.g. \\n)'],
      ['{} {}', 'line 1, column 4: unexpected "{" after the end of the document'],
    ])('%j', (text, where) => {
      expect(() => parseScene(text)).toThrow(new SceneError(`scene is not valid JSON: ${where}`));
    });
  });

  it('formats paths the way artists read them', () => {
    expect(formatPath([])).toBe('scene');
    expect(formatPath(['objects', 3, 'material'])).toBe('objects[3].material');
    expect(formatPath(['materials', 'my-mat', 'albedo', 0])).toBe('materials["my-mat"].albedo[0]');
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RenderTileRequest } from '../renderer';
import { RenderAbortedError, SceneError } from '../renderer';
import { BUILTIN_RENDERER_VERSION, BuiltinRenderer } from './builtin.renderer';
import { renderRegion, toPixels } from './render-region';
import { parseScene } from './scene.parser';

const examples = join(__dirname, '../../../../examples');
const stillPath = join(examples, 'still.scene.json');
const orbitPath = join(examples, 'orbit.scene.json');

function request(overrides: Partial<RenderTileRequest> = {}): RenderTileRequest {
  return {
    scenePath: stillPath,
    frame: 1,
    width: 30,
    height: 20,
    region: { x: 7, y: 3, width: 11, height: 9 },
    samples: 2,
    seed: 5,
    bitDepth: 8,
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function decode(png: Buffer, bitDepth: 8 | 16) {
  const image = bitDepth === 16 ? sharp(png).toColourspace('rgb16').raw({ depth: 'ushort' }) : sharp(png).raw();
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  const pixels = bitDepth === 16 ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : new Uint8Array(data);
  return { pixels: Array.from(pixels), info };
}

describe(BuiltinRenderer.name, () => {
  const renderer = new BuiltinRenderer();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-builtin-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names itself and its output version', async () => {
    expect(renderer.name).toBe('builtin');
    expect(await renderer.version()).toBe(BUILTIN_RENDERER_VERSION);
    expect(BUILTIN_RENDERER_VERSION).toMatch(/^builtin-\d+\.\d+\.\d+$/);
  });

  describe('inspect', () => {
    it('returns the scene defaults', async () => {
      const info = await renderer.inspect(orbitPath);
      expect(info).toMatchObject({ frameStart: 1, frameEnd: 24, width: 640, height: 360, samples: 16 });
      expect(info.notes).toContain('camera animated by 13 keyframes');
    });

    it('rejects a broken file with the line and column', async () => {
      const path = join(dir, 'broken.json');
      writeFileSync(path, '{\n  "format": "tessera-scene/1",\n  "samples": 4,\n}\n');
      await expect(renderer.inspect(path)).rejects.toThrow(
        new SceneError('scene is not valid JSON: line 4, column 1: expected a double-quoted property name but found "}"'),
      );
    });
  });

  describe('renderTile', () => {
    const scene = parseScene(readFileSync(stillPath, 'utf8'));

    it.each([8, 16] as const)('renders on a thread to a %i-bit PNG of the region, equal to an in-process render', async (bitDepth) => {
      const req = request({ bitDepth });
      const tile = await renderer.renderTile(req);
      expect(tile.device).toBe('cpu');
      const { pixels, info } = await decode(tile.png, bitDepth);
      expect(info).toMatchObject({ width: 11, height: 9, channels: 3 });
      const expected = toPixels(renderRegion(scene, req), bitDepth);
      expect(pixels).toEqual(Array.from(expected));
    });

    it('reports a bad scene as SceneError from the thread', async () => {
      const path = join(dir, 'bad.scene.json');
      const bad = JSON.parse(readFileSync(stillPath, 'utf8'));
      bad.objects[1].material = 'chrome';
      writeFileSync(path, JSON.stringify(bad));
      const error = await renderer.renderTile(request({ scenePath: path })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SceneError);
      expect((error as Error).message).toMatch(/^objects\[1\]\.material: unknown material "chrome"; defined: floor, /);
    });

    it('rejects a region outside the frame before starting a thread', async () => {
      await expect(renderer.renderTile(request({ region: { x: 25, y: 0, width: 10, height: 1 } }))).rejects.toThrow(RangeError);
    });

    it('keeps the event loop free, and aborting stops the thread quickly', async () => {
      const controller = new AbortController();
      // A full 640x360 frame at 16 samples takes seconds: long enough to abort mid-render.
      const render = renderer.renderTile(request({ scenePath: orbitPath, width: 640, height: 360, samples: 16,
        region: { x: 0, y: 0, width: 640, height: 360 }, signal: controller.signal }));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      await new Promise((resolve) => setTimeout(resolve, 400));
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(10);
      const abortedAt = Date.now();
      controller.abort();
      await expect(render).rejects.toBeInstanceOf(RenderAbortedError);
      expect(Date.now() - abortedAt).toBeLessThan(200);
    });

    it('rejects at once when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(renderer.renderTile(request({ signal: controller.signal }))).rejects.toThrow(
        new RenderAbortedError('builtin render aborted: This operation was aborted'),
      );
    });
  });
});

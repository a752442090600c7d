import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { planTiles } from '@tessera/domain';
import { compareImages, decodePng, pixelHash, stitch } from '@tessera/imaging';
import { BlenderRenderer, buildZip, detectSceneKind, ensureBlenderExample, SceneError, type RenderTileRequest } from '@tessera/renderers';

import { buildMissingTextureBlend, describeWithBinary, runBlenderPython, tileRequest } from './renderers.fixture';

// Every test starts real renderer processes; on a busy 2-core machine one Blender start takes seconds.
jest.setTimeout(60_000);

const run = promisify(execFile);

describeWithBinary('blender', BlenderRenderer.name, () => {
  let example: string;
  let dir: string;
  let warm: BlenderRenderer;
  let cold: BlenderRenderer;

  beforeAll(async () => {
    example = await ensureBlenderExample();
    dir = mkdtempSync(join(tmpdir(), 'tessera-blender-test-'));
    warm = new BlenderRenderer({ mode: 'warm' });
    cold = new BlenderRenderer({ mode: 'cold' });
  }, 120_000);
  afterAll(async () => {
    await warm?.close();
    await cold?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A request on the example: 640x360 as the file says, 16 samples, seed 0. */
  function request(overrides: Partial<RenderTileRequest>): RenderTileRequest {
    return tileRequest(example, { frame: 5, width: 640, height: 360, samples: 16, seed: 0, ...overrides });
  }

  it('reports the version from the binary', async () => {
    expect(await warm.version()).toMatch(/^Blender \d+\.\d+\.\d+/);
  });

  describe('inspect', () => {
    it('reads the example: frames, resolution, samples, camera, nothing missing', async () => {
      const info = await warm.inspect(example);
      expect(info).toMatchObject({ frameStart: 1, frameEnd: 24, width: 640, height: 360, samples: 16, missingFiles: [] });
      expect(info.notes).toEqual(expect.arrayContaining(['engine Cycles', 'camera "Camera"']));
    });

    it('applies the resolution percentage and notes what Tessera changes', async () => {
      const path = join(dir, 'half.blend');
      await runBlenderPython(
        `import bpy, sys
s = bpy.context.scene
s.render.resolution_x, s.render.resolution_y, s.render.resolution_percentage = 1001, 600, 50
s.frame_start, s.frame_end = 10, 12
s.render.engine = "BLENDER_EEVEE"
s.cycles.use_denoising = True
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])`,
        [path],
      );
      const info = await warm.inspect(path);
      expect(info).toMatchObject({ frameStart: 10, frameEnd: 12, width: 500, height: 300 });
      expect(info.notes).toEqual(
        expect.arrayContaining([
          'engine BLENDER_EEVEE in the file; Tessera renders with Cycles',
          'resolution 1001x600 at 50% = 500x300',
          expect.stringMatching(/^denoising is on in the file; tiles are rendered without it/),
        ]),
      );
    });

    it('lists missing textures, inside the scene and outside it', async () => {
      const path = join(dir, 'missing-texture.blend');
      await buildMissingTextureBlend(path, '/nonexistent/tessera/outside.png');
      const info = await warm.inspect(path);
      expect(info.missingFiles).toEqual(['//textures/missing.png', '/nonexistent/tessera/outside.png']);
      expect(info.notes).toEqual(
        expect.arrayContaining([
          'missing file: //textures/missing.png',
          'file outside the upload (workers cannot read it): /nonexistent/tessera/outside.png',
        ]),
      );
    });

    it('reads a zip holding the .blend with its textures, and refuses one that climbs out', async () => {
      const blend = join(dir, 'missing-texture.blend');
      const zipped = join(dir, 'scene.zip');
      // The texture only has to exist for inspect to find it.
      writeFileSync(zipped, buildZip([{ name: 'shot/scene.blend', data: readFileSync(blend) }, { name: 'shot/textures/missing.png', data: 'png' }]));
      const info = await warm.inspect(zipped);
      expect(info.missingFiles).toEqual(['/nonexistent/tessera/outside.png']);
      expect(info.notes).toContain('zip with 2 file(s), scene "shot/scene.blend"');

      const evil = join(dir, 'evil.zip');
      writeFileSync(evil, buildZip([{ name: 'scene.blend', data: readFileSync(example) }, { name: '../../evil.png', data: 'x' }]));
      await expect(warm.inspect(evil)).rejects.toThrow(new SceneError('zip entry "../../evil.png" points outside the scene directory ("..")'));
    });

    it('reads gzip- and zstd-compressed .blend files', async () => {
      const zstd = join(dir, 'compressed.blend');
      await runBlenderPython('import bpy, sys\nbpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1], compress=True)', [zstd]);
      expect(await detectSceneKind(zstd)).toBe('blend-zstd');
      const gzip = join(dir, 'gzip.blend');
      writeFileSync(gzip, gzipSync(readFileSync(example)));
      expect(await detectSceneKind(gzip)).toBe('blend-gzip');
      expect(await warm.inspect(zstd)).toMatchObject({ width: 1920, height: 1080 });
      expect(await warm.inspect(gzip)).toMatchObject({ width: 640, height: 360, frameEnd: 24 });
    });

    it('refuses a truncated .blend with what Blender said, and a file that is not a .blend', async () => {
      const truncated = join(dir, 'truncated.blend');
      writeFileSync(truncated, readFileSync(example).subarray(0, 300_000));
      await expect(warm.inspect(truncated)).rejects.toThrow(/^Blender cannot read the scene: Failed to read blend file 'truncated\.blend': /);
      await expect(warm.inspect(truncated)).rejects.toBeInstanceOf(SceneError);

      const png = join(dir, 'image.blend');
      writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
      await expect(warm.inspect(png)).rejects.toThrow(
        new SceneError('the scene is not a .blend file (no BLENDER header, also not a gzip- or zstd-compressed one): it looks like a file of unknown type'),
      );
    });

    it('refuses a scene without a camera', async () => {
      const path = join(dir, 'no-camera.blend');
      await runBlenderPython('import bpy, sys\nbpy.data.objects.remove(bpy.data.objects["Camera"])\nbpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])', [path]);
      await expect(warm.inspect(path)).rejects.toThrow(new SceneError('scene "Scene" has no active camera: set one in Blender and upload again'));
    });
  });

  describe('renderTile', () => {
    it('renders 2x2 tiles that stitch into Blender\'s own full-frame render of the frame', async () => {
      // The example at 50% (320x180) keeps this quick; Blender renders the reference from the file itself.
      const [frame, width, height] = [5, 320, 180];
      const tiles = [];
      for (const region of planTiles(width, height, 2, 2)) tiles.push({ region, png: (await warm.renderTile(request({ frame, width, height, region }))).png });
      const stitched = await stitch({ width, height, bitDepth: 8, tiles });

      const out = join(dir, 'blender-full-');
      const half = 'import bpy; bpy.context.scene.render.resolution_percentage = 50';
      await run('blender', ['-b', '--factory-startup', '--disable-autoexec', example, '--python-expr', half, '-o', `${out}####`, '-F', 'PNG', '-f', String(frame)], {
        timeout: 120_000,
      });
      const reference = readFileSync(`${out}0005.png`);
      const comparison = await compareImages(stitched, reference);
      expect(comparison.withinTolerance).toBe(true);
      // Measured: with dither off, border renders are bit-identical to the same pixels of a full frame.
      expect(comparison.identical).toBe(true);
    });

    it('gives every tile of odd-sized frames exactly its region, matching one full render', async () => {
      for (const [width, height, cols, rows] of [[97, 61, 3, 2], [101, 37, 4, 3]]) {
        const full = await warm.renderTile(request({ frame: 9, width, height, samples: 4, region: { x: 0, y: 0, width, height } }));
        const tiles = [];
        for (const region of planTiles(width, height, cols, rows)) {
          const tile = await warm.renderTile(request({ frame: 9, width, height, samples: 4, region }));
          const decoded = await decodePng(tile.png);
          expect([decoded.width, decoded.height]).toEqual([region.width, region.height]);
          tiles.push({ region, png: tile.png });
        }
        const comparison = await compareImages(await stitch({ width, height, bitDepth: 8, tiles }), full.png);
        expect(comparison.identical).toBe(true);
      }
    }, 60_000);

    it('renders warm exactly as cold, in any order of tiles and frames, at 8 and 16 bits', async () => {
      const cases: Partial<RenderTileRequest>[] = [
        { frame: 3, region: { x: 300, y: 150, width: 120, height: 90 }, bitDepth: 8 },
        { frame: 20, region: { x: 10, y: 250, width: 100, height: 70 }, bitDepth: 16 },
        { frame: 3, region: { x: 10, y: 250, width: 100, height: 70 }, bitDepth: 8, seed: 7 },
      ];
      for (const overrides of cases) {
        const [w, c] = [await warm.renderTile(request(overrides)), await cold.renderTile(request(overrides))];
        const decoded = await decodePng(w.png);
        expect([decoded.width, decoded.height, decoded.bitDepth]).toEqual([overrides.region!.width, overrides.region!.height, overrides.bitDepth]);
        expect(await pixelHash(w.png)).toBe(await pixelHash(c.png));
      }
    }, 90_000);

    it('renders tiles of one scene at once on separate warm sessions', async () => {
      const regions = planTiles(640, 360, 3, 1).map((region) => ({ ...region, height: 40 }));
      const together = await Promise.all(regions.map((region) => warm.renderTile(request({ frame: 12, region, samples: 4 }))));
      const alone = await cold.renderTile(request({ frame: 12, region: regions[1], samples: 4 }));
      expect(await pixelHash(together[1].png)).toBe(await pixelHash(alone.png));
    }, 60_000);

    it('returns the renderer log with each tile', async () => {
      const tile = await cold.renderTile(request({ region: { x: 0, y: 0, width: 32, height: 32 }, samples: 2 }));
      expect(tile.device).toBe('cpu');
      expect(tile.log).toMatch(/Sample 2\/2/);
      expect(tile.log).toMatch(/Blender 3\.\d/);
      expect(tile.log!.length).toBeLessThanOrEqual(64 * 1024);
    });

    it('renders from a zip and from a scene file without extension', async () => {
      const bare = join(dir, 'a3f9c0');
      copyFileSync(example, bare);
      const zipped = join(dir, 'example.zip');
      writeFileSync(zipped, buildZip([{ name: 'example.blend', data: readFileSync(example) }]));
      const region = { x: 200, y: 100, width: 40, height: 30 };
      const hashes = await Promise.all([example, bare, zipped].map(async (scenePath) => pixelHash((await cold.renderTile(request({ scenePath, region, samples: 4 }))).png)));
      expect(new Set(hashes).size).toBe(1);
    }, 60_000);
  });
});

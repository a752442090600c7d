import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { planTiles } from '@tessera/domain';
import { compareImages, decodePng, stitch } from '@tessera/imaging';
import {
  buildZip,
  ensurePovrayExample,
  PovrayRenderer,
  RenderAbortedError,
  RenderFailedError,
  RenderTimeoutError,
  SceneError,
  type RenderTileRequest,
} from '@tessera/renderers';
import { describeWithBinary, eventually, processesMentioning, tileRequest } from './renderers.fixture';

// Every test starts real renderer processes; on a busy 2-core machine one Blender start takes seconds.
jest.setTimeout(60_000);

const run = promisify(execFile);
const examples = join(__dirname, '../../../examples/povray');
const SLOW_POV = '#version 3.7;\n#declare I = 0;\n#while (I < 1e9) #declare I = I + 1; #end\nsphere { 0, 1 pigment { rgb 1 } }\ncamera { location <0, 0, -3> look_at 0 }\n';

describeWithBinary('povray', PovrayRenderer.name, () => {
  let example: string;
  let dir: string;
  let povray: PovrayRenderer;

  beforeAll(async () => {
    example = await ensurePovrayExample();
    dir = mkdtempSync(join(tmpdir(), 'tessera-povray-test-'));
    povray = new PovrayRenderer({ workDir: join(dir, 'work') });
  });
  afterAll(async () => {
    await povray?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function request(overrides: Partial<RenderTileRequest>): RenderTileRequest {
    return tileRequest(example, { frame: 5, width: 640, height: 360, samples: 9, ...overrides });
  }

  function pov(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** POV-Ray's own full-frame render, with the antialiasing Tessera uses for 9 samples. */
  async function ownRender(frame: number, width: number, height: number, bitDepth: 8 | 16): Promise<Buffer> {
    const out = join(dir, `own-${frame}-${width}x${height}-${bitDepth}.png`);
    const animation = ['+KFI1', '+KFF24', '+KI0', '+KF1', `+SF${frame}`, `+EF${frame}`];
    await run('povray', [`+I${join(examples, 'orbit.pov')}`, `+O${out}`, `+W${width}`, `+H${height}`, `+FN${bitDepth}`, '-D', '+A0.3', '+AM1', '+R3', '-J', ...animation], { timeout: 60_000 });
    const written = readdirSync(dir).find((name) => name.startsWith(`own-${frame}-${width}x${height}-${bitDepth}`))!;
    return readFileSync(join(dir, written));
  }

  it('reports the version from the binary', async () => {
    expect(await povray.version()).toMatch(/^POV-Ray 3\.\d/);
  });

  describe('inspect', () => {
    it('reads resolution and animation from the INI in the example zip', async () => {
      const info = await povray.inspect(example);
      expect(info).toMatchObject({ frameStart: 1, frameEnd: 24, width: 640, height: 360, samples: 9, missingFiles: [] });
      expect(info.notes).toEqual(expect.arrayContaining(['settings from orbit.ini', 'animation: frames 1-24, clock 0 to 1']));
    });

    it('takes a bare .pov as a still with default settings', async () => {
      const info = await povray.inspect(join(examples, 'orbit.pov'));
      expect(info).toMatchObject({ frameStart: 1, frameEnd: 1, width: 640, height: 480 });
      expect(info.notes).toContain('no INI: a still at 640x480 (add <scene>.ini to a zip for resolution and animation)');
    });

    it('refuses a scene that does not parse, naming the line', async () => {
      await expect(povray.inspect(pov('broken.pov', '#version 3.7;\nsphere { 0, 1 pigment { rgb 1 }\n'))).rejects.toThrow(
        /^POV-Ray cannot render the scene: File 'broken\.pov' line \d+: Parse Error/,
      );
    });

    it('refuses a zip that climbs out, and one without a top-level .pov', async () => {
      const evil = join(dir, 'evil.zip');
      writeFileSync(evil, buildZip([{ name: 'scene.pov', data: 'x' }, { name: '../../../evil.inc', data: 'x' }]));
      await expect(povray.inspect(evil)).rejects.toThrow(new SceneError('zip entry "../../../evil.inc" points outside the scene directory ("..")'));
      const nested = join(dir, 'nested.zip');
      writeFileSync(nested, buildZip([{ name: 'a/scene.pov', data: 'x' }, { name: 'b/other.inc', data: 'x' }]));
      await expect(povray.inspect(nested)).rejects.toThrow('zip must hold exactly one .pov file at the top level of the zip; it holds none');
    });
  });

  describe('file access', () => {
    const outside = () => join(dir, 'outside-written.txt');
    const writer = (target: string) => `#version 3.7;\n#fopen F "${target}" write\n#write (F, "escaped")\n#fclose F\nsphere { 0, 1 pigment { rgb 1 } }\ncamera { location <0, 0, -3> look_at 0 }\n`;

    it.each([
      ['an absolute path', () => outside()],
      ['a path that climbs out', () => '../outside-written.txt'],
    ])('fails a scene that writes outside its directory through %s, and nothing is written', async (_, target) => {
      const sceneDir = join(dir, 'writer');
      mkdirSync(sceneDir, { recursive: true });
      const scene = join(sceneDir, 'writer.pov');
      writeFileSync(scene, writer(target()));
      await expect(povray.inspect(scene)).rejects.toThrow(/^POV-Ray cannot render the scene: File 'writer\.pov' line 2: Parse Error: Cannot open user file/);
      const error = await povray.renderTile(tileRequest(scene, { width: 32, height: 32, region: { x: 0, y: 0, width: 32, height: 32 } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RenderFailedError);
      expect((error as Error).message).toMatch(/^POV-Ray exited with code 1: File 'writer\.pov' line 2: Parse Error: Cannot open user file/);
      expect(existsSync(outside())).toBe(false);
      expect(readdirSync(dir).filter((name) => name.includes('outside'))).toEqual([]);
    });

    it('fails a scene that reads a file of the worker', async () => {
      const reader = pov('reader.pov', '#version 3.7;\n#fopen F "/etc/hostname" read\n#read (F, X)\nsphere { 0, 1 pigment { rgb 1 } }\n');
      await expect(povray.inspect(reader)).rejects.toThrow(/Cannot open user file \/etc\/hostname/);
    });

    it('renders a zip whose scene includes its own files and the standard includes', async () => {
      const zipped = join(dir, 'includes.zip');
      const main = '#version 3.7;\n#include "colors.inc"\n#include "inc/shapes.inc"\nobject { Ball pigment { Red } }\ncamera { location <0, 0, -3> look_at 0 }\nlight_source { <2, 4, -3> White }\n';
      writeFileSync(zipped, buildZip([{ name: 'main.pov', data: main }, { name: 'inc/shapes.inc', data: '#declare Ball = sphere { 0, 1 }\n' }]));
      const tile = await povray.renderTile(tileRequest(zipped, { width: 32, height: 32, region: { x: 8, y: 8, width: 16, height: 16 } }));
      const { data } = await decodePng(tile.png);
      expect(data[(8 * 16 + 8) * 3]).toBeGreaterThan(100);
    });
  });

  describe('renderTile', () => {
    it('renders 2x2 tiles that stitch into exactly POV-Ray\'s own full-frame render', async () => {
      const tiles = [];
      for (const region of planTiles(640, 360, 2, 2)) tiles.push({ region, png: (await povray.renderTile(request({ region }))).png });
      const stitched = await stitch({ width: 640, height: 360, bitDepth: 8, tiles });
      const comparison = await compareImages(stitched, await ownRender(5, 640, 360, 8));
      expect(comparison.withinTolerance).toBe(true);
      expect(comparison.identical).toBe(true);
    }, 60_000);

    it('gives odd-sized tiles exactly their regions, identical to a full render, at 16 bits', async () => {
      const [width, height] = [97, 61];
      const tiles = [];
      for (const region of planTiles(width, height, 3, 2)) {
        const tile = await povray.renderTile(request({ frame: 9, width, height, region, bitDepth: 16 }));
        const decoded = await decodePng(tile.png);
        expect([decoded.width, decoded.height, decoded.bitDepth]).toEqual([region.width, region.height, 16]);
        tiles.push({ region, png: tile.png });
      }
      const comparison = await compareImages(await stitch({ width, height, bitDepth: 16, tiles }), await ownRender(9, width, height, 16));
      expect(comparison.identical).toBe(true);
    }, 60_000);

    it('returns the log, and refuses a frame outside the animation', async () => {
      const tile = await povray.renderTile(request({ region: { x: 0, y: 0, width: 32, height: 32 } }));
      expect(tile.log).toMatch(/POV-Ray finished|Render Statistics/);
      await expect(povray.renderTile(request({ frame: 25 }))).rejects.toThrow(new RangeError('frame 25 is outside the scene\'s animation, frames 1-24'));
    });

    it('kills POV-Ray on abort and on timeout, leaving no process behind', async () => {
      const slow = pov('slow.pov', SLOW_POV);
      const marker = join(dir, 'slow-work');
      const slowRenderer = new PovrayRenderer({ workDir: marker, tileTimeoutMs: 1500 });
      try {
        const controller = new AbortController();
        const render = slowRenderer.renderTile(tileRequest(slow, { signal: controller.signal }));
        expect(await eventually(() => processesMentioning(marker).length > 0, 5000)).toBe(true);
        controller.abort();
        await expect(render).rejects.toBeInstanceOf(RenderAbortedError);
        expect(await eventually(() => processesMentioning(marker).length === 0, 5000)).toBe(true);

        await expect(slowRenderer.renderTile(tileRequest(slow))).rejects.toBeInstanceOf(RenderTimeoutError);
        expect(await eventually(() => processesMentioning(marker).length === 0, 5000)).toBe(true);
      } finally {
        await slowRenderer.close();
      }
    }, 30_000);
  });
});

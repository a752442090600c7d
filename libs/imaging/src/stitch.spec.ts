import type { Region } from '@tessera/contracts';
import { CoverageError, planTiles } from '@tessera/domain';
import { StitchError } from './errors';
import { decodePng, encodePng } from './png';
import { stitch, type StitchTile } from './stitch';
import { bytesOf, crop, ihdrOf, noiseImage } from './test-images.helper';
import type { Channels, RawImage } from './png';

async function tilesOf(image: RawImage, bitDepth: 8 | 16, regions: Region[]): Promise<StitchTile[]> {
  return Promise.all(regions.map(async (region) => ({ region, png: await encodePng(crop(image, region), bitDepth) })));
}

describe('stitch', () => {
  describe.each([
    [3, 8],
    [4, 8],
    [3, 16],
    [4, 16],
  ] as const)('%i channels, %i-bit', (channels: Channels, bitDepth) => {
    it('rebuilds the original image from uneven tiles', async () => {
      const image = noiseImage(101, 37, channels, bitDepth, 5);
      const tiles = await tilesOf(image, bitDepth, planTiles(101, 37, 7, 3));
      const frame = await stitch({ width: 101, height: 37, bitDepth, tiles });
      expect(ihdrOf(frame).bitDepth).toBe(bitDepth);
      const decoded = await decodePng(frame);
      expect(decoded).toMatchObject({ width: 101, height: 37, channels, bitDepth });
      expect(decoded.data.equals(bytesOf(image))).toBe(true);
    });
  });

  it('keeps the colour of fully transparent pixels (no premultiplied compositing)', async () => {
    const data = new Uint16Array(4 * 2 * 4).map((_, i) => (i % 4 === 3 ? (i < 16 ? 0 : 1) : 1000 * i + 7));
    const image: RawImage = { data, width: 4, height: 2, channels: 4 };
    const tiles = await tilesOf(image, 16, planTiles(4, 2, 2, 2));
    const decoded = await decodePng(await stitch({ width: 4, height: 2, bitDepth: 16, tiles }));
    expect(decoded.data.equals(bytesOf(image))).toBe(true);
  });

  it('accepts any exact cover, not only a grid, in any order', async () => {
    const image = noiseImage(10, 6, 3, 8, 9);
    const regions = [
      { x: 4, y: 2, width: 6, height: 4 },
      { x: 0, y: 0, width: 7, height: 2 },
      { x: 7, y: 0, width: 3, height: 2 },
      { x: 0, y: 2, width: 4, height: 4 },
    ];
    const decoded = await decodePng(await stitch({ width: 10, height: 6, bitDepth: 8, tiles: await tilesOf(image, 8, regions) }));
    expect(decoded.data.equals(bytesOf(image))).toBe(true);
  });

  it('stitches a single tile that is the whole frame', async () => {
    const image = noiseImage(5, 3, 4, 8);
    const frame = await stitch({ width: 5, height: 3, bitDepth: 8, tiles: await tilesOf(image, 8, planTiles(5, 3, 1, 1)) });
    expect((await decodePng(frame)).data.equals(bytesOf(image))).toBe(true);
  });

  describe('rejects', () => {
    const image = noiseImage(20, 10, 3, 8, 2);
    let tiles: StitchTile[];
    beforeAll(async () => {
      tiles = await tilesOf(image, 8, planTiles(20, 10, 2, 2)); // four 10x5 tiles
    });

    async function failure(request: Parameters<typeof stitch>[0]): Promise<StitchError> {
      const error = await stitch(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StitchError);
      return error as StitchError;
    }

    it('a gap, naming the first uncovered pixel', async () => {
      const error = await failure({ width: 20, height: 10, bitDepth: 8, tiles: tiles.slice(0, 3) });
      expect(error.message).toBe(
        'cannot stitch a 20x10 frame: regions leave 50 pixels of the 20x10 frame uncovered, first at pixel (10, 5)',
      );
      expect(error.cause).toBeInstanceOf(CoverageError);
    });

    it('an overlap, naming both regions and the first shared pixel', async () => {
      const moved = { ...tiles[1], region: { ...tiles[1].region, x: 8 } };
      const error = await failure({ width: 20, height: 10, bitDepth: 8, tiles: [tiles[0], moved, tiles[2], tiles[3]] });
      expect(error.message).toMatch(/region #0 \(x 0, y 0, 10x5\) and region #1 \(x 8, y 0, 10x5\) overlap, first at pixel \(8, 0\)/);
    });

    it('a region outside the frame', async () => {
      const error = await failure({ width: 20, height: 9, bitDepth: 8, tiles });
      expect(error.message).toMatch(/region #2 \(x 0, y 5, 10x5\) reaches pixel \(9, 9\), outside the 20x9 frame/);
    });

    it('a tile whose PNG is not its region size', async () => {
      const small = { region: tiles[3].region, png: await encodePng(crop(image, { x: 0, y: 0, width: 10, height: 4 }), 8) };
      const error = await failure({ width: 20, height: 10, bitDepth: 8, tiles: [...tiles.slice(0, 3), small] });
      expect(error.message).toBe('tile #3 for region #3 (x 10, y 5, 10x5) is 10x4 pixels, not 10x5');
    });

    it('a tile of another bit depth', async () => {
      const deep = { region: tiles[1].region, png: await encodePng(crop(noiseImage(20, 10, 3, 16), tiles[1].region), 16) };
      const error = await failure({ width: 20, height: 10, bitDepth: 8, tiles: [tiles[0], deep, tiles[2], tiles[3]] });
      expect(error.message).toBe('tile #1 for region #1 (x 10, y 0, 10x5) has 16-bit samples; the frame is 8-bit');
    });

    it('tiles that disagree on channels', async () => {
      const rgba = { region: tiles[2].region, png: await encodePng(crop(noiseImage(20, 10, 4, 8), tiles[2].region), 8) };
      const error = await failure({ width: 20, height: 10, bitDepth: 8, tiles: [tiles[0], tiles[1], rgba, tiles[3]] });
      expect(error.message).toBe('tile #2 for region #2 (x 0, y 5, 10x5) has 4 channels but tile #0 has 3; tiles must agree');
    });

    it('a tile that is not a PNG', async () => {
      const junk = { region: tiles[0].region, png: Buffer.from('<html>error</html>') };
      const error = await failure({ width: 20, height: 10, bitDepth: 8, tiles: [junk, ...tiles.slice(1)] });
      expect(error.message).toMatch(/^tile #0: not a PNG: the data does not start with the PNG signature/);
    });

    it('no tiles at all', async () => {
      const error = await failure({ width: 20, height: 10, bitDepth: 8, tiles: [] });
      expect(error.message).toBe('cannot stitch a 20x10 frame from no tiles');
    });
  });
});

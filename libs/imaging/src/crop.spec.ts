import { cropDecoded } from './crop';
import { ImageMismatchError } from './errors';
import { decodePng, encodePng } from './png';
import { pixelHash } from './pixel-hash';

describe(cropDecoded.name, () => {
  const gradient = (width: number, height: number, channels: 3 | 4, bitDepth: 8 | 16) => {
    const samples = width * height * channels;
    const data = bitDepth === 8 ? new Uint8Array(samples) : new Uint16Array(samples);
    for (let i = 0; i < samples; i++) data[i] = (i * 37) % (bitDepth === 8 ? 256 : 65536);
    return { data, width, height, channels };
  };

  it.each([[3, 8], [4, 8], [3, 16], [4, 16]] as const)('a crop equals the same region encoded on its own (%i channels, %i-bit)', async (channels, bitDepth) => {
    const full = await decodePng(await encodePng(gradient(20, 10, channels, bitDepth), bitDepth));
    const crop = cropDecoded(full, { x: 3, y: 2, width: 7, height: 5 });
    expect(crop).toMatchObject({ width: 7, height: 5, channels, bitDepth });
    // Pixel (x, y) of the crop is pixel (x + 3, y + 2) of the image.
    const bytes = channels * (bitDepth / 8);
    const at = (image: typeof full, x: number, y: number) => image.data.subarray((y * image.width + x) * bytes, (y * image.width + x + 1) * bytes);
    for (const [x, y] of [[0, 0], [6, 4], [2, 3]]) expect(at(crop, x, y)).toEqual(at(full, x + 3, y + 2));
    expect(await pixelHash(crop)).toBe(await pixelHash(cropDecoded(full, { x: 3, y: 2, width: 7, height: 5 })));
    expect(await pixelHash(cropDecoded(full, { x: 0, y: 0, width: 20, height: 10 }))).toBe(await pixelHash(full));
  });

  it('refuses a region outside the image', async () => {
    const full = await decodePng(await encodePng(gradient(4, 4, 3, 8), 8));
    for (const region of [{ x: 2, y: 0, width: 3, height: 1 }, { x: -1, y: 0, width: 1, height: 1 }, { x: 0, y: 0, width: 0, height: 1 }]) {
      expect(() => cropDecoded(full, region)).toThrow(ImageMismatchError);
    }
  });
});

import sharp from 'sharp';
import { ImageDecodeError } from './errors';
import { decodePng, encodePng } from './png';
import { thumbnail } from './thumbnail';
import { ihdrOf, noiseImage } from './test-images.helper';

describe('thumbnail', () => {
  it('makes an 8-bit PNG 320 wide from a 16-bit 1920x1080 frame, keeping the aspect ratio', async () => {
    const frame = await encodePng(noiseImage(1920, 1080, 3, 16), 16, { compressionLevel: 1 });
    const thumb = await thumbnail(frame);
    expect(await sharp(thumb).metadata()).toMatchObject({ format: 'png', width: 320, height: 180, channels: 3 });
    expect(ihdrOf(thumb).bitDepth).toBe(8);
  });

  it('takes another width and rounds the height', async () => {
    const thumb = await thumbnail(await encodePng(noiseImage(1000, 333, 3, 8), 8), 100);
    const decoded = await decodePng(thumb);
    expect([decoded.width, decoded.height]).toEqual([100, 33]);
  });

  it('keeps alpha', async () => {
    const thumb = await thumbnail(await encodePng(noiseImage(640, 360, 4, 8), 8));
    expect(ihdrOf(thumb)).toEqual({ bitDepth: 8, colourType: 6 });
  });

  it('never enlarges a small image', async () => {
    const thumb = await thumbnail(await encodePng(noiseImage(64, 48, 3, 8), 8));
    expect(await sharp(thumb).metadata()).toMatchObject({ width: 64, height: 48 });
  });

  it('keeps at least one row for a very wide image', async () => {
    const thumb = await thumbnail(await encodePng(noiseImage(4000, 2, 3, 8), 8));
    expect(await sharp(thumb).metadata()).toMatchObject({ width: 320, height: 1 });
  });

  it('rejects a file that is not a PNG, and a width that is not a positive integer', async () => {
    await expect(thumbnail(Buffer.from('GIF89a'))).rejects.toThrow(ImageDecodeError);
    const png = await encodePng(noiseImage(4, 4, 3, 8), 8);
    await expect(thumbnail(png, 0)).rejects.toThrow('thumbnail width must be a positive integer, got 0');
  });
});

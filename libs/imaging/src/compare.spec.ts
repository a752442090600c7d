import { compareImages, DEFAULT_TOLERANCE, MAX_FAILED_PIXEL_RATIO, PIXEL_FAIL_THRESHOLD } from './compare';
import { ImageMismatchError } from './errors';
import { decodePng, encodePng, type DecodedImage } from './png';
import { noiseImage } from './test-images.helper';

/** A 10x10 RGB 8-bit image of one grey, as decoded pixels. */
function grey(value = 128, width = 10, height = 10): DecodedImage {
  return { data: Buffer.alloc(width * height * 3, value), width, height, channels: 3, bitDepth: 8 };
}

function withPixels(image: DecodedImage, pixels: number[], delta: number): DecodedImage {
  const data = Buffer.from(image.data);
  for (const p of pixels) data[p * image.channels] += delta;
  return { ...image, data };
}

describe('compareImages', () => {
  it('uses the tolerances of DESIGN.md section 3 by default', () => {
    expect(PIXEL_FAIL_THRESHOLD).toBe(0.016);
    expect(MAX_FAILED_PIXEL_RATIO).toBe(0.01);
    expect(DEFAULT_TOLERANCE).toEqual({ pixelThreshold: 0.016, maxFailedPixelRatio: 0.01 });
  });

  it('finds identical images identical, from PNGs of different compression', async () => {
    const image = noiseImage(30, 20, 4, 16);
    const result = await compareImages(await encodePng(image, 16, { compressionLevel: 0 }), await encodePng(image, 16));
    expect(result).toEqual({ identical: true, maxDifference: 0, failedPixelRatio: 0, psnr: Infinity, withinTolerance: true });
  });

  it('reports small differences without failing pixels', async () => {
    // 4/255 = 0.0157 is just inside the 0.016 threshold.
    const result = await compareImages(grey(), withPixels(grey(), [0, 1, 2], 4));
    expect(result.identical).toBe(false);
    expect(result.maxDifference).toBeCloseTo(4 / 255, 12);
    expect(result.failedPixelRatio).toBe(0);
    expect(result.withinTolerance).toBe(true);
  });

  it('fails a pixel above 0.016 and the image only above 1% failed pixels', async () => {
    // 5/255 = 0.0196 fails the pixel. One pixel of 100 is exactly 1%: not above it.
    const one = await compareImages(grey(), withPixels(grey(), [42], 5));
    expect(one.failedPixelRatio).toBe(0.01);
    expect(one.withinTolerance).toBe(true);
    const two = await compareImages(grey(), withPixels(grey(), [42, 43], 5));
    expect(two.failedPixelRatio).toBe(0.02);
    expect(two.withinTolerance).toBe(false);
  });

  it('computes PSNR with a peak of 1.0 over all samples', async () => {
    // One sample of 300 off by 51/255 = 0.2: MSE = 0.04 / 300, PSNR = 10 log10(300 / 0.04).
    const result = await compareImages(grey(100), withPixels(grey(100), [7], 51));
    expect(result.psnr).toBeCloseTo(10 * Math.log10(300 / 0.04), 9);
  });

  it('compares 8-bit with 16-bit on one scale: v and v * 257 are the same value', async () => {
    const eight = noiseImage(16, 16, 3, 8, 4);
    const sixteen = { ...eight, data: Uint16Array.from(eight.data, (v) => v * 257) };
    const result = await compareImages(await encodePng(eight, 8), await encodePng(sixteen, 16));
    expect(result.identical).toBe(true);
    const off = Uint16Array.from(sixteen.data);
    off[0] += 1;
    const close = await compareImages(await encodePng(eight, 8), await encodePng({ ...sixteen, data: off }, 16));
    expect(close.identical).toBe(false);
    expect(close.maxDifference).toBeCloseTo(1 / 65535, 12);
  });

  it('treats a missing alpha channel as opaque', async () => {
    const rgb = noiseImage(8, 8, 3, 8, 6);
    const rgba = new Uint8Array(8 * 8 * 4);
    for (let p = 0; p < 64; p++) {
      rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = p === 0 ? 0 : 255;
    }
    const result = await compareImages(await decodePng(await encodePng(rgb, 8)), await encodePng({ ...rgb, data: rgba, channels: 4 }, 8));
    expect(result).toMatchObject({ identical: false, maxDifference: 1, failedPixelRatio: 1 / 64 });
  });

  it('takes a custom tolerance', async () => {
    const result = await compareImages(grey(), withPixels(grey(), [0, 1], 5), { maxFailedPixelRatio: 0.05 });
    expect(result.withinTolerance).toBe(true);
    const strict = await compareImages(grey(), withPixels(grey(), [0], 1), { pixelThreshold: 0 });
    expect(strict.failedPixelRatio).toBe(0.01);
    await expect(compareImages(grey(), grey(), { pixelThreshold: 2 })).rejects.toThrow(RangeError);
  });

  it('refuses images of different sizes', async () => {
    await expect(compareImages(grey(128, 10, 10), grey(128, 10, 11))).rejects.toThrow(
      new ImageMismatchError('cannot compare a 10x10 image with a 10x11 one'),
    );
  });
});

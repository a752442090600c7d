import { ImageMismatchError } from './errors';
import { checkDecoded, decodePng, samplesOf, type DecodedImage } from './png';

/** A pixel fails when any channel differs by more than this, on a 0..1 scale (Blender's CI `idiff -fail`). */
export const PIXEL_FAIL_THRESHOLD = 0.016;
/** An image fails when more than this fraction of its pixels fail (Blender's CI `idiff -failpercent 1`). */
export const MAX_FAILED_PIXEL_RATIO = 0.01;

export interface Tolerance {
  /** Per-channel difference, 0..1, above which a pixel counts as failed. */
  pixelThreshold: number;
  /** Fraction of failed pixels, 0..1, above which the images count as different. */
  maxFailedPixelRatio: number;
}

export const DEFAULT_TOLERANCE: Readonly<Tolerance> = Object.freeze({
  pixelThreshold: PIXEL_FAIL_THRESHOLD,
  maxFailedPixelRatio: MAX_FAILED_PIXEL_RATIO,
});

export interface Comparison {
  /** Every sample equal (after bringing 8-bit to the 16-bit scale where the depths differ). */
  identical: boolean;
  /** Largest difference of any one sample, 0..1. */
  maxDifference: number;
  /** Fraction of pixels with a channel differing by more than `pixelThreshold`, 0..1. */
  failedPixelRatio: number;
  /** Peak signal-to-noise ratio over all samples in dB, peak = 1.0; Infinity when identical. */
  psnr: number;
  /** failedPixelRatio <= maxFailedPixelRatio: the verdict of DESIGN.md section 3. */
  withinTolerance: boolean;
}

/**
 * Compares two images of the same size sample by sample, on a 0..1 scale so that an 8-bit and a 16-bit
 * render of the same tile compare (8-bit v counts as 16-bit v * 257, which is exactly v / 255).
 * An RGB image compared with an RGBA one counts as fully opaque. Throws ImageMismatchError when the
 * sizes differ: a tile of the wrong size is rejected before it is ever compared.
 */
export async function compareImages(
  a: Buffer | DecodedImage,
  b: Buffer | DecodedImage,
  tolerance: Partial<Tolerance> = {},
): Promise<Comparison> {
  const { pixelThreshold, maxFailedPixelRatio } = { ...DEFAULT_TOLERANCE, ...tolerance };
  checkTolerance(pixelThreshold, maxFailedPixelRatio);
  const [left, right] = await Promise.all([toDecoded(a), toDecoded(b)]);
  if (left.width !== right.width || left.height !== right.height) {
    throw new ImageMismatchError(`cannot compare a ${left.width}x${left.height} image with a ${right.width}x${right.height} one`);
  }
  const { maxDiff, failedPixels, sumSquares, peak, samples } = difference(left, right, pixelThreshold);
  const pixels = left.width * left.height;
  const failedPixelRatio = failedPixels / pixels;
  const mse = sumSquares / (peak * peak * samples);
  return {
    identical: maxDiff === 0,
    maxDifference: maxDiff / peak,
    failedPixelRatio,
    psnr: mse === 0 ? Infinity : 10 * Math.log10(1 / mse),
    withinTolerance: failedPixelRatio <= maxFailedPixelRatio,
  };
}

async function toDecoded(image: Buffer | DecodedImage): Promise<DecodedImage> {
  const decoded = Buffer.isBuffer(image) ? await decodePng(image) : image;
  checkDecoded(decoded);
  return decoded;
}

function checkTolerance(pixelThreshold: number, maxFailedPixelRatio: number): void {
  for (const [name, value] of [['pixelThreshold', pixelThreshold], ['maxFailedPixelRatio', maxFailedPixelRatio]] as const) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`tolerance ${name} must be between 0 and 1, got ${value}`);
  }
}

/** The integer sums behind a comparison, on a common integer scale whose full value is `peak`. */
function difference(a: DecodedImage, b: DecodedImage, pixelThreshold: number) {
  const mixed = a.bitDepth !== b.bitDepth;
  const peak = mixed || a.bitDepth === 16 ? 65535 : 255;
  const scaleA = mixed && a.bitDepth === 8 ? 257 : 1;
  const scaleB = mixed && b.bitDepth === 8 ? 257 : 1;
  const sa = samplesOf(a);
  const sb = samplesOf(b);
  const ca = a.channels;
  const cb = b.channels;
  const channels = Math.max(ca, cb);
  // A missing alpha channel reads as opaque.
  const limit = pixelThreshold * peak;
  let maxDiff = 0;
  let failedPixels = 0;
  let sumSquares = 0;
  const pixels = a.width * a.height;
  for (let p = 0; p < pixels; p++) {
    let pixelFailed = false;
    for (let c = 0; c < channels; c++) {
      const va = c < ca ? sa[p * ca + c] * scaleA : peak;
      const vb = c < cb ? sb[p * cb + c] * scaleB : peak;
      const diff = va > vb ? va - vb : vb - va;
      if (diff === 0) continue;
      if (diff > maxDiff) maxDiff = diff;
      if (diff > limit) pixelFailed = true;
      sumSquares += diff * diff;
    }
    if (pixelFailed) failedPixels++;
  }
  return { maxDiff, failedPixels, sumSquares, peak, samples: pixels * channels };
}

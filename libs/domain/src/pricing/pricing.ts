import { RENDERER_NAMES, type RendererName } from '@tessera/contracts';
import { PricingError } from './credit.errors';
import { assertMicrocredits, exactMicrocredits, type Microcredits } from './money';

/**
 * What rendering costs. Work is measured, never reported: a tile's work is its pixels x the job's samples
 * per pixel (the renderers run a fixed sample count, no adaptive sampling), so the price is known at
 * submission and a slow worker earns no more than a fast one for the same tile.
 */
export interface PricingConfig {
  /** Micro-credits per million samples (pixels x samples per pixel), per renderer. */
  ratePerMegasample: Readonly<Record<RendererName, Microcredits>>;
  /** The platform's share of every payment, in basis points (1/100 of a percent): 1000 = 10%. */
  feeBasisPoints: number;
  /** Held on top of the tiles' price for spot-check renders, in basis points of that price: 1000 = 10%. */
  verificationAllowanceBasisPoints: number;
}

export const BASIS_POINTS = 10_000;
const MEGA = 1_000_000n;

/** Checks a configuration once, at start-up: every renderer priced, rates and shares whole and in range. */
export function checkPricing(config: PricingConfig): PricingConfig {
  for (const renderer of RENDERER_NAMES) {
    const rate = config.ratePerMegasample[renderer];
    if (rate === undefined) throw new PricingError(`pricing: no rate for renderer ${renderer}`);
    assertMicrocredits(rate, `pricing: rate per megasample of ${renderer}`);
  }
  checkBasisPoints(config.feeBasisPoints, 'pricing: fee', BASIS_POINTS);
  // An allowance may exceed 100% (a studio that wants every tile checked twice), but not absurdly.
  checkBasisPoints(config.verificationAllowanceBasisPoints, 'pricing: verification allowance', 10 * BASIS_POINTS);
  return config;
}

function checkBasisPoints(value: number, what: string, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new PricingError(`${what} must be whole basis points from 0 to ${max}, got ${value}`);
  }
}

/** A rectangle of pixels: a tile, or a patch of one re-rendered by a spot-check. */
export interface PricedArea {
  width: number;
  height: number;
}

/** Samples rendered for an area: pixels x samples per pixel, exact (BigInt: 16k x 16k x 65536 passes 2^53). */
export function tileWork(area: PricedArea, samples: number): bigint {
  for (const [what, value] of [['width', area.width], ['height', area.height], ['samples', samples]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new PricingError(`pricing: ${what} must be a positive integer, got ${value}`);
  }
  return BigInt(area.width) * BigInt(area.height) * BigInt(samples);
}

/**
 * The price of rendering one area: work x rate / 1,000,000, **rounded up** to a whole micro-credit.
 *
 * One rule, applied to each tile on its own, so that the same tile always has the same price and a job's
 * estimate can be the exact sum of its tiles (estimateJob). Rounding up means no work is ever free and
 * the artist pays at most one micro-credit per tile more than the exact product.
 * A spot-check render is priced the same way, by the area it re-renders.
 */
export function tilePrice(config: PricingConfig, renderer: RendererName, area: PricedArea, samples: number): Microcredits {
  const rate = config.ratePerMegasample[renderer];
  if (rate === undefined) throw new PricingError(`pricing: no rate for renderer ${renderer}`);
  return areaPrice(rate, area, samples);
}

/**
 * The same rule at a given rate: a job keeps the rate it was submitted at, so its tiles are paid exactly
 * what its escrow holds for them even if the farm's prices change while it runs.
 */
export function areaPrice(ratePerMegasample: Microcredits, area: PricedArea, samples: number): Microcredits {
  const product = tileWork(area, samples) * BigInt(assertMicrocredits(ratePerMegasample, 'rate per megasample'));
  return exactMicrocredits((product + MEGA - 1n) / MEGA, 'tile price');
}

export interface JobEstimate {
  /** Tiles over all frames. */
  tileCount: number;
  /** The exact sum of the tiles' prices: what the tiles will be paid, to the micro-credit. */
  tilesPrice: Microcredits;
  /** Held on top for spot-check renders; what is not spent returns to the artist at settlement. */
  allowance: Microcredits;
  /** tilesPrice + allowance: what the artist's balance must cover, held in escrow at submission. */
  total: Microcredits;
}

export interface JobToPrice {
  renderer: RendererName;
  samples: number;
  /** The tiling of one frame (planTiles); every frame is tiled alike. */
  regions: readonly PricedArea[];
  /** How many frames. */
  frames: number;
}

/**
 * A job's estimate: the sum of tilePrice over every tile of every frame, so paying each accepted tile its
 * tilePrice drains the tiles' escrow to exactly zero (no remainder to round away), plus the verification
 * allowance: tilesPrice x allowance basis points / 10,000, rounded up.
 */
export function estimateJob(config: PricingConfig, job: JobToPrice): JobEstimate {
  if (!Number.isSafeInteger(job.frames) || job.frames < 1) throw new PricingError(`pricing: frames must be a positive integer, got ${job.frames}`);
  if (job.regions.length === 0) throw new PricingError('pricing: a frame needs at least one tile');
  let perFrame = 0n;
  for (const region of job.regions) perFrame += BigInt(tilePrice(config, job.renderer, region, job.samples));
  const tilesPrice = exactMicrocredits(perFrame * BigInt(job.frames), 'job estimate');
  const allowance = shareOf(tilesPrice, config.verificationAllowanceBasisPoints, 'up');
  return {
    tileCount: job.regions.length * job.frames,
    tilesPrice,
    allowance,
    total: exactMicrocredits(BigInt(tilesPrice) + BigInt(allowance), 'job estimate'),
  };
}

export interface FeeSplit {
  /** The platform's fee. */
  fee: Microcredits;
  /** What the worker's operator earns: price - fee. */
  payout: Microcredits;
}

/**
 * Splits a payment between the platform and the operator. The fee is rounded **down** (in the
 * operator's favour), and the payout is the rest, so fee + payout is the price exactly.
 */
export function splitFee(price: Microcredits, feeBasisPoints: number): FeeSplit {
  assertMicrocredits(price, 'price');
  checkBasisPoints(feeBasisPoints, 'fee', BASIS_POINTS);
  const fee = shareOf(price, feeBasisPoints, 'down');
  return { fee, payout: price - fee };
}

/** amount x basisPoints / 10,000, rounded as asked, in BigInt so the product cannot lose precision. */
export function shareOf(amount: Microcredits, basisPoints: number, rounding: 'up' | 'down'): Microcredits {
  assertMicrocredits(amount, 'amount');
  const product = BigInt(amount) * BigInt(basisPoints);
  const scale = BigInt(BASIS_POINTS);
  return exactMicrocredits(rounding === 'up' ? (product + scale - 1n) / scale : product / scale, 'share');
}

import fc from 'fast-check';
import { RENDERER_NAMES, type RendererName } from '@tessera/contracts';
import { planTiles } from '../tiling';
import { PricingError } from './credit.errors';
import { checkPricing, estimateJob, shareOf, splitFee, tilePrice, type PricingConfig } from './pricing';

/** The farm's starting prices (the defaults of PRICE_*_PER_MEGASAMPLE and the shares in tessera.config.ts). */
const DEFAULT_PRICING: PricingConfig = {
  ratePerMegasample: { builtin: 1_000, blender: 4_000, povray: 2_000 },
  feeBasisPoints: 1_000,
  verificationAllowanceBasisPoints: 1_000,
};

const renderer = fc.constantFrom<RendererName>(...RENDERER_NAMES);

/** Rates from free to absurd, fees and allowances over their whole range. */
const config: fc.Arbitrary<PricingConfig> = fc.record({
  ratePerMegasample: fc.record({
    builtin: fc.integer({ min: 0, max: 1_000_000 }),
    blender: fc.integer({ min: 0, max: 1_000_000 }),
    povray: fc.integer({ min: 0, max: 1_000_000 }),
  }),
  feeBasisPoints: fc.integer({ min: 0, max: 10_000 }),
  verificationAllowanceBasisPoints: fc.integer({ min: 0, max: 100_000 }),
});

/** A frame up to 8K and a grid that fits it, kept below 4,096 tiles per frame so runs stay quick. */
const tiledJob = fc
  .record({ width: fc.integer({ min: 1, max: 7680 }), height: fc.integer({ min: 1, max: 4320 }) })
  .chain(({ width, height }) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      cols: fc.integer({ min: 1, max: Math.min(width, 64) }),
      rows: fc.integer({ min: 1, max: Math.min(height, 64) }),
      samples: fc.integer({ min: 1, max: 65_536 }),
      frames: fc.integer({ min: 1, max: 500 }),
    }),
  );

describe('pricing', () => {
  describe('tilePrice', () => {
    it('is work x rate / 1,000,000, rounded up to a whole micro-credit', () => {
      // 64 x 48 x 4 = 12,288 samples at 1,000 per megasample: 12.288 -> 13.
      expect(tilePrice(DEFAULT_PRICING, 'builtin', { width: 64, height: 48 }, 4)).toBe(13);
      // Exact products are not rounded: 1000 x 1000 x 1 = one megasample.
      expect(tilePrice(DEFAULT_PRICING, 'blender', { width: 1000, height: 1000 }, 1)).toBe(4_000);
      // Any work at a non-zero rate costs at least one micro-credit.
      expect(tilePrice(DEFAULT_PRICING, 'builtin', { width: 1, height: 1 }, 1)).toBe(1);
    });

    it('stays exact where a float product would not (16K x 16K x 65,536 samples)', () => {
      const price = tilePrice({ ...DEFAULT_PRICING, ratePerMegasample: { builtin: 3, blender: 3, povray: 3 } }, 'builtin', { width: 16_384, height: 16_384 }, 65_536);
      expect(price).toBe(Number((16_384n * 16_384n * 65_536n * 3n + 999_999n) / 1_000_000n));
    });

    it('refuses areas it cannot price', () => {
      expect(() => tilePrice(DEFAULT_PRICING, 'builtin', { width: 0, height: 10 }, 4)).toThrow(PricingError);
      expect(() => tilePrice(DEFAULT_PRICING, 'builtin', { width: 10, height: 10 }, 1.5)).toThrow(PricingError);
      expect(() => tilePrice(DEFAULT_PRICING, 'cycles' as RendererName, { width: 10, height: 10 }, 4)).toThrow('no rate for renderer cycles');
    });

    it('refuses a price past 2^53 rather than rounding it', () => {
      const rates = { builtin: 1_000_000_000, blender: 1, povray: 1 };
      expect(() => tilePrice({ ...DEFAULT_PRICING, ratePerMegasample: rates }, 'builtin', { width: 16_384, height: 16_384 }, 65_536)).toThrow(
        /too large to account for exactly/,
      );
    });
  });

  describe('estimateJob', () => {
    it('a 1080p frame in 8x4 tiles at 128 samples on blender', () => {
      const regions = planTiles(1920, 1080, 8, 4);
      const estimate = estimateJob(DEFAULT_PRICING, { renderer: 'blender', samples: 128, regions, frames: 1 });
      // 265,420,800 samples in 240x270 tiles: 8,294,400 samples each, 33,177.6 -> 33,178 micro-credits.
      expect(estimate).toEqual({ tileCount: 32, tilesPrice: 32 * 33_178, allowance: 106_170, total: 32 * 33_178 + 106_170 });
    });

    it('is the exact sum of its tiles\' prices over all frames, for any tiling', () => {
      fc.assert(
        fc.property(config, renderer, tiledJob, (pricing, name, job) => {
          const regions = planTiles(job.width, job.height, job.cols, job.rows);
          const toPrice = { renderer: name, samples: job.samples, regions, frames: job.frames };
          let sum = 0n;
          for (const region of regions) sum += BigInt(tilePrice(pricing, name, region, job.samples));
          const exact = sum * BigInt(job.frames);
          const exactTotal = exact + (exact * BigInt(pricing.verificationAllowanceBasisPoints) + 9_999n) / 10_000n;
          if (exactTotal > BigInt(Number.MAX_SAFE_INTEGER)) {
            // Past 2^53 micro-credits the estimate is refused, never rounded (the largest rates reach it).
            expect(() => estimateJob(pricing, toPrice)).toThrow(PricingError);
            return;
          }
          const estimate = estimateJob(pricing, toPrice);
          expect(BigInt(estimate.tilesPrice)).toBe(exact);
          expect(estimate.tileCount).toBe(regions.length * job.frames);
          expect(estimate.allowance).toBe(shareOf(estimate.tilesPrice, pricing.verificationAllowanceBasisPoints, 'up'));
          expect(estimate.total).toBe(estimate.tilesPrice + estimate.allowance);
          expect(Math.min(estimate.tilesPrice, estimate.allowance)).toBeGreaterThanOrEqual(0);
        }),
        { numRuns: 200 },
      );
    });

    it('the allowance is the stated share of the tiles\' price, rounded up', () => {
      const regions = planTiles(10, 10, 1, 1);
      const config = { ...DEFAULT_PRICING, ratePerMegasample: { builtin: 1_000_000, blender: 0, povray: 0 } };
      // 100 samples at one credit per megasample: 100 micro-credits, 10% of which is 10.
      expect(estimateJob(config, { renderer: 'builtin', samples: 1, regions, frames: 1 })).toMatchObject({ tilesPrice: 100, allowance: 10 });
      expect(estimateJob({ ...config, verificationAllowanceBasisPoints: 1 }, { renderer: 'builtin', samples: 1, regions, frames: 1 }).allowance).toBe(1);
    });

    it('refuses an empty job', () => {
      expect(() => estimateJob(DEFAULT_PRICING, { renderer: 'builtin', samples: 1, regions: [], frames: 1 })).toThrow(PricingError);
      expect(() => estimateJob(DEFAULT_PRICING, { renderer: 'builtin', samples: 1, regions: [{ width: 1, height: 1 }], frames: 0 })).toThrow(PricingError);
    });
  });

  describe('splitFee', () => {
    it('rounds the fee down, in the operator\'s favour', () => {
      expect(splitFee(33_178, 1_000)).toEqual({ fee: 3_317, payout: 29_861 });
      expect(splitFee(9, 1_000)).toEqual({ fee: 0, payout: 9 });
      expect(splitFee(10, 10_000)).toEqual({ fee: 10, payout: 0 });
    });

    it('fee + payout is the price, and neither is negative', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 10_000 }), (price, bp) => {
          const { fee, payout } = splitFee(price, bp);
          expect(fee + payout).toBe(price);
          expect(fee).toBeGreaterThanOrEqual(0);
          expect(payout).toBeGreaterThanOrEqual(0);
          expect(fee).toBe(Number((BigInt(price) * BigInt(bp)) / 10_000n));
        }),
        { numRuns: 500 },
      );
    });

    it('refuses negative prices and fees past 100%', () => {
      expect(() => splitFee(-1, 100)).toThrow(PricingError);
      expect(() => splitFee(100, 10_001)).toThrow(PricingError);
    });
  });

  describe('checkPricing', () => {
    it('accepts the defaults', () => {
      expect(checkPricing(DEFAULT_PRICING)).toBe(DEFAULT_PRICING);
    });

    it.each([
      [{ ...DEFAULT_PRICING, feeBasisPoints: 10_001 }, 'fee must be whole basis points from 0 to 10000'],
      [{ ...DEFAULT_PRICING, feeBasisPoints: 2.5 }, 'fee must be whole basis points'],
      [{ ...DEFAULT_PRICING, verificationAllowanceBasisPoints: -1 }, 'verification allowance'],
      [{ ...DEFAULT_PRICING, ratePerMegasample: { builtin: 1, blender: -1, povray: 1 } }, 'rate per megasample of blender must not be negative'],
      [{ ...DEFAULT_PRICING, ratePerMegasample: { builtin: 1, blender: 1 } as PricingConfig['ratePerMegasample'] }, 'no rate for renderer povray'],
    ])('refuses %j', (bad, message) => {
      expect(() => checkPricing(bad)).toThrow(message);
    });
  });
});

import { z } from 'zod';

/**
 * A pixel rectangle of a full frame. Origin top-left, x to the right, y downwards, exact integer edges.
 * Every renderer adapter converts from this to its own convention (Blender: fractions with y from the
 * bottom; POV-Ray: 1-based columns and rows).
 */
export const regionSchema = z
  .object({
    x: z.number().int().min(0),
    y: z.number().int().min(0),
    width: z.number().int().min(1),
    height: z.number().int().min(1),
  })
  .strict();

export type Region = z.infer<typeof regionSchema>;

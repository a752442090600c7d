import { z } from 'zod';

export const jobEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tile.accepted'), jobId: z.string(), tileId: z.string(), frame: z.number().int() }).strict(),
  z.object({ type: z.literal('frame.stitched'), jobId: z.string(), frame: z.number().int() }).strict(),
  /** A spot-check resolved (passed, failed, checker-failed, inconclusive) or went to arbitration. */
  z.object({ type: z.literal('check.resolved'), jobId: z.string(), checkId: z.string(), state: z.string() }).strict(),
  z
    .object({
      type: z.literal('job.state'),
      jobId: z.string(),
      state: z.string(),
      error: z.string().optional(),
    })
    .strict(),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

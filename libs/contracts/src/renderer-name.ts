import { z } from 'zod';

/** Renderers a worker can run. `builtin` is Tessera's own deterministic path tracer. */
export const RENDERER_NAMES = ['builtin', 'blender', 'povray'] as const;
export const rendererNameSchema = z.enum(RENDERER_NAMES);
export type RendererName = z.infer<typeof rendererNameSchema>;

export const BIT_DEPTHS = [8, 16] as const;
export const bitDepthSchema = z.union([z.literal(8), z.literal(16)]);
export type BitDepth = z.infer<typeof bitDepthSchema>;

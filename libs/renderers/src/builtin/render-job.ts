import type { RenderRegionOptions } from './path-tracer';

/** What the adapter hands its render thread (as workerData; structured-clone friendly). */
export interface RenderJob extends RenderRegionOptions {
  kind: typeof RENDER_JOB_KIND;
  scenePath: string;
  bitDepth: 8 | 16;
}

/** The thread's one reply. Errors travel as name + message because classes do not survive cloning. */
export type RenderReply =
  | { ok: true; pixels: Uint8Array | Uint16Array }
  | { ok: false; name: string; message: string };

export const RENDER_JOB_KIND = 'tessera-builtin-render';

export function isRenderJob(value: unknown): value is RenderJob {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === RENDER_JOB_KIND;
}

import type { RendererName } from '@tessera/contracts';
import { InvariantViolationError } from '../errors';

/**
 * How a check's pixels are compared with the original's. `exact`: every sample equal (the pixel hash is
 * enough). `tolerance`: the per-pixel tolerance of libs/imaging `compareImages` (a pixel fails above
 * 0.016 on any channel, the region fails above 1% failed pixels, as in Blender's own CI); the numbers
 * live there, next to the comparison, so there is one place to change them.
 */
export type ComparisonMode = 'exact' | 'tolerance';

export interface ComparedRenders {
  renderer: RendererName;
  /** Both renders covered exactly the same region (a whole-tile check; not a patch of a larger render). */
  sameRegion: boolean;
  /** Both renders ran on the same device class (e.g. both `cpu`, or both the same GPU family). */
  sameDeviceClass: boolean;
}

/**
 * The builtin tracer draws its random numbers per pixel and sample from the seed alone, so any region of
 * any size reproduces the same pixels anywhere; POV-Ray renders deterministically from its seedless scene
 * with fixed anti-aliasing. Cycles with a fixed seed, fixed samples, no adaptive sampling and no denoising
 * is relied on to reproduce bit for bit only the same region on the same device class: a patch is a
 * different border render than the tile it checks (other work scheduling, other float summation order),
 * and CPU and GPU kernels differ in the last bits, so those comparisons get the tolerance.
 */
export function comparisonMode(renders: ComparedRenders): ComparisonMode {
  switch (renders.renderer) {
    case 'builtin':
    case 'povray':
      return 'exact';
    case 'blender':
      return renders.sameRegion && renders.sameDeviceClass ? 'exact' : 'tolerance';
    default:
      return unknownRenderer(renders.renderer);
  }
}

function unknownRenderer(renderer: never): never {
  throw new InvariantViolationError(`comparisonMode: unknown renderer ${JSON.stringify(renderer)}`);
}

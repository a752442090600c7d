/**
 * 2-of-3 arbitration (DESIGN.md section 3): when a check disagrees with the original, nobody is penalised
 * until a third render, by a worker of yet another operator, sides with one of them. Pure: it takes the
 * three renders of the same region (pixel hashes, or decoded pixels) and the comparison to use, exact
 * equality by default; the coordinator passes a tolerance comparison where the renderer needs one.
 *
 * With exact equality "the third matches both" cannot happen (equality is transitive). With a tolerance it
 * can: the original and the check are just outside it and the third lies between. That, and "the third
 * matches neither", is `inconclusive`: no one is penalised, since an honest worker must never be. The
 * coordinator re-renders the tile from scratch and flags the case for an admin (a renderer that is not
 * reproducible on this device class is a bug to fix, not a cheater to punish).
 */

export type Arbitration =
  /** The original and the check agree: the original is verified; no third render. */
  | { readonly verdict: 'agreed' }
  /** They differ: render the same region a third time, then call again with it. */
  | { readonly verdict: 'needs-third' }
  /** The third sides with the check: the original is invalid, its worker penalised. */
  | { readonly verdict: 'original-invalid' }
  /** The third sides with the original: the check was wrong, the checking worker penalised. */
  | { readonly verdict: 'check-invalid' }
  /** The third matches both or neither: penalise nobody, re-render the tile, flag for an admin. */
  | { readonly verdict: 'inconclusive' };

export type ArbitrationVerdict = Arbitration['verdict'];

/** Renders of one region compare equal: an exact or a tolerance comparison, the caller's choice. */
export type SameRender<T> = (a: T, b: T) => boolean;

/**
 * The verdict on an original render checked by a second one, and (after `needs-third`) a third.
 * `third` is ignored when the first two agree: a third render never overturns an agreement.
 */
export function arbitrate<T>(original: T, check: T, third?: T, same: SameRender<T> = Object.is): Arbitration {
  if (same(original, check)) return { verdict: 'agreed' };
  if (third === undefined) return { verdict: 'needs-third' };
  const withOriginal = same(third, original);
  const withCheck = same(third, check);
  if (withCheck && !withOriginal) return { verdict: 'original-invalid' };
  if (withOriginal && !withCheck) return { verdict: 'check-invalid' };
  return { verdict: 'inconclusive' };
}

/**
 * Every number the spot-check policy runs on, in one place, with the reason it has its value. The
 * arithmetic behind the defaults is in docs/verification.md and is re-checked by simulation.spec.ts;
 * the pixel comparison tolerances (0.016 per channel, 1% failed pixels) live with the comparison itself
 * in libs/imaging (`PIXEL_FAIL_THRESHOLD`, `MAX_FAILED_PIXEL_RATIO`), not here.
 */

/**
 * Every result of a worker's first 10 results (per worker, renderer version and device class) is
 * checked, and again after any failure: BOINC's adaptive replication threshold. A cheater must behave
 * through it, and it costs an honest worker 10 patch checks (2 tiles' worth of pixels) per renderer upgrade.
 */
export const DEFAULT_PROBATION = 10;

/**
 * The lowest check probability a worker with a long streak reaches. It is what a patient cheater faces:
 * streaks count unchecked results too (as in BOINC), so one that behaves for H tiles and then cheats on a
 * fraction f faces q = max(floor, 1/H), i.e. the floor for any H >= 4. Surviving n cheating tiles has
 * probability (1 - q f)^n; for f = 10% caught within 200 tiles, honest for the first 30 (n = 170), at 99%:
 *   q >= (1 - 0.01^(1/170)) / 0.1 = 0.267.
 * 0.28 leaves margin (survival 0.80%, caught 99.20%). Cost with 20% patches: 0.28 x 0.2 = 5.6% of the
 * tiles' pixels, i.e. 5.3% of all rendered pixels (5.9% over a new worker's first 200 tiles, probation
 * included): under the 6% budget. 0.23 would be enough when counting 200 tiles *after* the cheating starts.
 */
export const DEFAULT_Q_FLOOR = 0.28;

/**
 * A check re-renders this many random rectangles of the tile rather than the whole tile (Golem re-renders
 * 3 crops). Several small patches spread the check over the tile, so a cheater who fakes only part of a
 * tile is more likely to be hit than by one patch of the same area.
 */
export const DEFAULT_PATCHES = 3;

/**
 * The patches together cover this fraction of the tile. A tile cheated wholesale (black, noise, fewer
 * samples everywhere, a neighbour's or an old tile) differs everywhere, so any patch catches it; the area
 * buys detection of partial fakes and is paid on every check: 20% makes a check cost a fifth of a tile,
 * which is what makes q = 0.28 affordable (whole-tile checks at q = 0.28 would cost 22% of all pixels).
 */
export const DEFAULT_PATCH_AREA = 0.2;

/**
 * The share of checks that re-render the whole tile instead of patches. 0 by default: at q = 0.28 every
 * 1% of whole-tile checks costs 0.22% more pixels, and the budget leaves no room for it. An operator who
 * fears partial fakes more than cost can raise it.
 */
export const DEFAULT_WHOLE_TILE_SHARE = 0;

/**
 * Tries to place a patch clear of the patches already placed before accepting an overlap. With the
 * default patches (26% of the tile's width each way) a third patch lands on one of the first two about
 * one try in three (measured: 0.36), so 32 tries leave an overlap about once in 10^14 checks. The bound
 * is for the cases where no room exists (a large patch area, a tiny tile), which must not loop.
 */
export const MAX_PATCH_PLACEMENT_TRIES = 32;

/** The guarantee the defaults are chosen for (issue 7, "Simulation"); simulation.spec.ts holds them to it. */
export const VERIFICATION_TARGET = Object.freeze({
  /** A worker cheating on this fraction of its tiles... */
  cheatRate: 0.1,
  /** ...is caught within this many tiles, counted from its first tile... */
  tiles: 200,
  /** ...with at least this probability... */
  catchProbability: 0.99,
  /** ...also when it renders honestly for this many tiles first... */
  honestFirst: 30,
  /** ...while checks cost at most this fraction of all rendered pixels. */
  redundantWork: 0.06,
});

/**
 * A tile of the size `auto` tiling aims for (256 x 256): converts a per-render start-up cost given in
 * pixels into a fraction of a tile in the simulation.
 */
export const DEFAULT_TILE_PIXELS = 256 * 256;

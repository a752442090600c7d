import { simulateCheater, simulationOptions, type SimulationOptions, type SimulationResult } from './simulation';
import { DEFAULT_PATCH_AREA, DEFAULT_PATCHES, DEFAULT_Q_FLOOR, VERIFICATION_TARGET } from './thresholds';

/**
 * The simulation as a table for `npm run bench` and docs/verification.md: one row per combination of
 * cheat rate, honest start, floor, patch area and start-up cost. Every row runs on the same seed (common
 * random numbers), so a difference between two rows comes from their parameters, not from luck.
 */

export interface SimulationGrid {
  cheatRates: readonly number[];
  honestFirst: readonly number[];
  qFloors: readonly number[];
  /** Patch area per check; 1 means whole-tile checks. */
  patchAreas: readonly number[];
  /** Patches per check; the options' policy value when left out. */
  patchCounts?: readonly number[];
  /** Start-up cost per check render, in pixels; the options' value (0, the builtin tracer) when left out. */
  startupPixels?: readonly number[];
  /** Chance that a patch check catches a fake; the options' value (1, wholesale fakes) when left out. */
  detects?: readonly number[];
}

export interface SimulationRow extends SimulationResult {
  cheatRate: number;
  honestFirst: number;
  qFloor: number;
  patchArea: number;
  patches: number;
  startupPixels: number;
  detect: number;
  tiles: number;
  trials: number;
  jobTiles: number;
}

/**
 * The tables docs/verification.md quotes, each a separate call of simulationTable:
 * - `floors`: the target cheater (10%, honest for 0 or 30 tiles) against floors, patches vs whole tiles;
 * - `cheaters`: the default policy against lighter and heavier cheaters, wholesale and partial fakes;
 * - `startup`: what a per-render start-up cost (Blender) does to the price of patches.
 */
export const DOC_SIMULATION_GRIDS: Readonly<Record<'floors' | 'cheaters' | 'startup', SimulationGrid>> = Object.freeze({
  floors: {
    cheatRates: [VERIFICATION_TARGET.cheatRate],
    honestFirst: [0, VERIFICATION_TARGET.honestFirst],
    qFloors: [0.1, 0.2, 0.23, 0.25, 0.28, 0.3],
    patchAreas: [DEFAULT_PATCH_AREA, 1],
  },
  cheaters: {
    cheatRates: [0.01, 0.02, 0.05, VERIFICATION_TARGET.cheatRate, 0.25, 1],
    honestFirst: [0, VERIFICATION_TARGET.honestFirst],
    qFloors: [DEFAULT_Q_FLOOR],
    patchAreas: [DEFAULT_PATCH_AREA],
    detects: [1, 0.5],
  },
  startup: {
    cheatRates: [VERIFICATION_TARGET.cheatRate],
    honestFirst: [VERIFICATION_TARGET.honestFirst],
    qFloors: [DEFAULT_Q_FLOOR],
    patchAreas: [DEFAULT_PATCH_AREA, 1],
    patchCounts: [1, DEFAULT_PATCHES],
    // 0, 2.5%, 10% and 50% of a 256 x 256 tile.
    startupPixels: [0, 1638, 6554, 32768],
  },
});

/**
 * Runs every combination of the grid; `options` sets everything else (policy fields, trials, seed...).
 * Whole-tile rows (patch area 1) ignore the patch count, so they appear once per start-up cost.
 */
export function simulationTable(grid: SimulationGrid, options: Partial<SimulationOptions> = {}): SimulationRow[] {
  const base = simulationOptions(options);
  const rows: SimulationRow[] = [];
  for (const cheatRate of grid.cheatRates) {
    for (const honestFirst of grid.honestFirst) {
      for (const qFloor of grid.qFloors) {
        for (const patchArea of grid.patchAreas) {
          const counts = patchArea >= 1 ? [base.policy.patches] : (grid.patchCounts ?? [base.policy.patches]);
          for (const patches of counts) {
            for (const startupPixels of grid.startupPixels ?? [base.startupPixels]) {
              for (const detect of grid.detects ?? [base.detect]) {
                const run = { ...base, policy: { ...base.policy, qFloor, patchArea, patches }, startupPixels, detect };
                const result = simulateCheater({ cheatRate, honestFirst }, run);
                rows.push({
                  cheatRate,
                  honestFirst,
                  qFloor,
                  patchArea,
                  patches,
                  startupPixels,
                  detect,
                  tiles: run.tiles,
                  trials: run.trials,
                  jobTiles: run.jobTiles,
                  ...result,
                });
              }
            }
          }
        }
      }
    }
  }
  return rows;
}

interface Column {
  header: string;
  cell: (row: SimulationRow) => string;
}

const COLUMNS: Column[] = [
  { header: 'cheat f', cell: (r) => percent(r.cheatRate, 0) },
  { header: 'honest H', cell: (r) => String(r.honestFirst) },
  { header: 'floor', cell: (r) => r.qFloor.toFixed(2) },
  {
    header: 'check',
    cell: (r) => (r.patchArea >= 1 ? 'whole tile' : `${r.patches} x ${percent(r.patchArea / r.patches, 1)}`),
  },
  { header: 'start-up px', cell: (r) => String(r.startupPixels) },
  { header: 'detect', cell: (r) => r.detect.toFixed(2) },
  { header: 'caught (MC)', cell: (r) => `${percent(r.caught, 2)} ±${percent(r.caughtStdError, 2)}` },
  { header: 'caught (exact)', cell: (r) => percent(r.caughtAnalytic, 2) },
  { header: 'work N', cell: (r) => percent(r.honestWork, 2) },
  { header: 'work ∞', cell: (r) => percent(r.steadyWork, 2) },
  { header: 'bad tiles', cell: (r) => r.badTiles.toFixed(2) },
  { header: 'bad after backtrack', cell: (r) => r.badTilesAfterBacktrack.toFixed(2) },
];

/**
 * A plain-text table, right-aligned columns, with a legend under it. The `start-up px` and `detect`
 * columns appear only when some row sets them, to keep the usual table narrow.
 */
export function formatSimulationTable(rows: readonly SimulationRow[]): string {
  const optional: Record<string, boolean> = {
    'start-up px': rows.some((r) => r.startupPixels > 0),
    detect: rows.some((r) => r.detect < 1),
  };
  const columns = COLUMNS.filter((c) => optional[c.header] ?? true);
  const cells = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => c.cell(row)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  const lines = cells.map((line) => line.map((cell, i) => cell.padStart(widths[i])).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const first = rows[0];
  if (first) lines.push('', ...legend(first));
  return `${lines.join('\n')}\n`;
}

function legend(row: SimulationRow): string[] {
  return [
    `N = ${row.tiles} tiles counted from the worker's first; ${row.trials} Monte-Carlo runs per row, one seed for all rows.`,
    'caught (MC): the cheater is caught within N tiles, ± one standard error.',
    'caught (exact): 1 - prod(1 - q_i f d), d = detect for patch checks, 1 for whole-tile checks.',
    'work N / work ∞: check pixels (start-up included) over all rendered pixels for an honest worker,',
    '  over its first N tiles / in the long run.',
    'bad tiles: fakes accepted before the catch (all of them if not caught within N).',
    'bad after backtrack: those still reaching an artist when a catch re-renders the unverified tiles',
    `  of the current job (jobs of ${row.jobTiles} of the worker's tiles).`,
  ];
}

function percent(value: number, digits: number): string {
  return `${(value * 100).toFixed(digits)}%`;
}

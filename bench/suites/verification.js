'use strict';
// Suite "verification" (issue 6, suite 6): the spot-check simulation, pure. Prints the tables that
// docs/verification.md quotes and records whether the default policy meets VERIFICATION_TARGET.
const {
  DOC_SIMULATION_GRIDS,
  VERIFICATION_TARGET,
  formatSimulationTable,
  honestWork,
  simulateCheater,
  simulationTable,
} = require('../../dist/node_modules/@tessera/domain');
const { fixed } = require('../lib/measure');

const pct = (v) => `${fixed(v * 100, 2)}%`;

async function run({ log }) {
  const tables = {};
  for (const [name, grid] of Object.entries(DOC_SIMULATION_GRIDS)) {
    const started = process.hrtime.bigint();
    const rows = simulationTable(grid);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log(`\nverification table "${name}" (${rows.length} rows, ${fixed(ms / 1000, 1)} s):\n`);
    log(formatSimulationTable(rows));
    tables[name] = { ms, rows };
  }

  // The target, with the default policy and default simulation options (the same defaults as the tables).
  const { cheatRate, tiles, catchProbability, honestFirst, redundantWork } = VERIFICATION_TARGET;
  const cheaters = [0, honestFirst].map((h) => ({ honestFirst: h, ...simulateCheater({ cheatRate, honestFirst: h }) }));
  const work = honestWork();
  const rows = cheaters.map((c) => {
    const worst = Math.min(c.caught, c.caughtAnalytic);
    return {
      metric: `f=${cheatRate * 100}% caught within ${tiles} tiles, honest first ${c.honestFirst}`,
      value: `${pct(c.caughtAnalytic)} exact, ${pct(c.caught)} MC`,
      baseline: '',
      ratio: '',
      target: `>= ${pct(catchProbability)}`,
      met: worst >= catchProbability ? 'met' : 'NOT MET',
    };
  });
  for (const [label, value] of [[`first ${tiles} tiles`, work.firstTiles], ['long run', work.steady]]) {
    rows.push({
      metric: `redundant pixel work, honest worker, ${label}`,
      value: pct(value),
      baseline: '',
      ratio: '',
      target: `<= ${pct(redundantWork)}`,
      met: value <= redundantWork ? 'met' : 'NOT MET',
    });
  }
  return { rows, json: { target: VERIFICATION_TARGET, defaultPolicy: { cheaters, honestWork: work }, tables } };
}

module.exports = { name: 'verification', run };

'use strict';
// `npm run bench [-- SUITE...]`: runs the benchmark suites (all when none is named), prints one table
// and writes bench-results/<suite>.json. Benchmarks report; they never fail on a target. Requires the
// built libs (`npm run build`, which the npm script runs first). See docs/benchmarks.md.
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');

const SUITES = [
  require('./suites/dispatch'),
  require('./suites/stitch'),
  require('./suites/verification'),
  require('./suites/upload'),
  require('./suites/blender'),
  require('./suites/farm-overhead'),
];
const RESULTS = join(__dirname, '..', 'bench-results');
const COLUMNS = ['suite', 'metric', 'value', 'baseline', 'ratio', 'target', 'met'];

function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

function table(rows) {
  const cells = [COLUMNS, ...rows.map((row) => COLUMNS.map((c) => String(row[c] ?? '')))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  const lines = cells.map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join(' | ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('-|-'));
  return lines.join('\n');
}

async function main() {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const chosen = names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES;
  const info = machine();
  console.log(`bench on ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, node ${info.node}`);
  mkdirSync(RESULTS, { recursive: true });
  const all = [];
  for (const suite of chosen) {
    const started = new Date();
    const { rows, json } = await suite.run({ log: (line) => console.log(line) });
    const file = join(RESULTS, `${suite.name}.json`);
    writeFileSync(file, `${JSON.stringify({ suite: suite.name, startedAt: started.toISOString(), machine: info, rows, ...json }, null, 2)}\n`);
    console.log(`${suite.name}: results in ${file}`);
    all.push(...rows.map((row) => ({ suite: suite.name, ...row })));
  }
  console.log(`\n${table(all)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

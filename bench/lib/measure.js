'use strict';
// Small measuring helpers shared by the suites: process timing with peak RSS, medians, formatting.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command to completion and returns its wall time (ms, measured here), its peak RSS (KiB, from
 * GNU time's %M when /usr/bin/time exists, else null) and its stdout. Throws with stderr when it fails.
 */
function runMeasured(command, args, options = {}) {
  const timed = existsSync(GNU_TIME);
  const [file, argv] = timed ? [GNU_TIME, ['-f', '__MAXRSS_KIB__=%M __CPU_S__=%U+%S', command, ...args]] : [command, args];
  const started = process.hrtime.bigint();
  const result = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} exited with ${result.status}: ${String(result.stderr).trim().slice(-2000)}`);
  }
  const match = /__MAXRSS_KIB__=(\d+)/.exec(result.stderr ?? '');
  // User + system CPU seconds of the process and its threads: with the wall time, how many cores it kept busy.
  const cpu = /__CPU_S__=([\d.]+)\+([\d.]+)/.exec(result.stderr ?? '');
  return { wallMs, maxRssKiB: match ? Number(match[1]) : null, cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : null, stdout: result.stdout, stderr: result.stderr };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const mib = (kib) => (kib == null ? null : kib / 1024);
const fixed = (value, digits = 2) => (value == null || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

module.exports = { runMeasured, median, mib, fixed };

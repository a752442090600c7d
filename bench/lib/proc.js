'use strict';
// Memory and CPU time of another process, from /proc (Linux): what the suites report of a farm's child.
const { readdirSync, readFileSync } = require('node:fs');

/** VmRSS and VmHWM (peak RSS since start) of a process in MiB; NaN when it cannot be read. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
  } catch {
    return { rssMiB: NaN, hwmMiB: NaN };
  }
}

const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds (utime+stime, every thread) of a process; NaN when it cannot be read. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (fields[11] + fields[12]) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of a process and all its descendants: for each live process of the tree, its own time plus
 * the time of the children it has reaped (utime+stime+cutime+cstime). A process that ends between two
 * readings moves its time into its parent's reaped share, so the difference of two readings is the CPU
 * the tree used in between, whichever processes came and went.
 */
function treeCpuSeconds(root = process.pid) {
  const stats = new Map();
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      const pid = Number(entry);
      stats.set(pid, (fields[11] + fields[12] + fields[13] + fields[14]) / CLK_TCK);
      if (!children.has(fields[1])) children.set(fields[1], []);
      children.get(fields[1]).push(pid);
    } catch {
      // The process ended while we looked; its parent's reaped share will hold its time.
    }
  }
  let total = 0;
  const pending = [root];
  while (pending.length) {
    const pid = pending.pop();
    total += stats.get(pid) ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * Samples a process's RSS every `intervalMs` until stop() is called; stop() returns the highest sample.
 * VmHWM alone would also hold the start-up peak, which says nothing about one request.
 */
function sampleRss(pid, intervalMs = 20) {
  let peak = NaN;
  const sample = () => {
    const { rssMiB } = memoryOf(pid);
    if (!Number.isNaN(rssMiB) && !(rssMiB <= peak)) peak = rssMiB;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

module.exports = { cpuOf, memoryOf, sampleRss, treeCpuSeconds };

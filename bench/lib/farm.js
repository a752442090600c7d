'use strict';
// A whole farm for a suite, started from the compiled code as `tessera up` starts it: nats-server, the
// embedded S3 server (in this process), SQLite, one coordinator and the API as child processes, and
// `workers` local workers. Its home is a temporary directory, removed by stop().
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Farm, defaultFarmOptions } = require('../../dist/apps/cli/src/farm');
const { apiClient } = require('./api');

// The farm gets its own embedded services, whatever this shell points at.
const EXTERNAL = ['NATS_URL', 'DATABASE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];

async function startBenchFarm({ tag, workers = 0, env = {}, log }) {
  const home = mkdtempSync(join(tmpdir(), `tessera-bench-${tag}-`));
  const base = { ...process.env };
  for (const name of EXTERNAL) delete base[name];
  const farm = new Farm({ ...defaultFarmOptions(), home, workers, workerDrainMs: 1000, apiPort: 0, echoLogs: false, env: { ...base, ...env } });
  const stop = async () => {
    await farm.stop().catch((error) => log?.(`${tag}: farm stop: ${error.message}`));
    rmSync(home, { recursive: true, force: true });
  };
  let info;
  try {
    info = await farm.start();
  } catch (error) {
    for (const name of ['api', 'coordinator-1']) {
      const file = join(home, 'logs', `${name}.log`);
      if (existsSync(file)) log?.(`${tag}: ${name} log:\n${readFileSync(file, 'utf8').split('\n').slice(-20).join('\n')}`);
    }
    await stop();
    throw error;
  }
  // `processes` is private in the TypeScript source; the bench reads it only to find the API's pid.
  const apiPid = (farm.processes ?? []).find((p) => p.name === 'api')?.pid;
  return { farm, info, home, apiPid, api: apiClient(info.apiUrl, farm), stop };
}

/** Polls a job until it is completed, failed or cancelled (or `timeoutMs` passes); returns its last view. */
async function waitForJob(api, id, { timeoutMs, pollMs = 250, onPoll } = {}) {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const view = await api.job(id);
    onPoll?.(view);
    if (['completed', 'failed', 'cancelled'].includes(view.state)) return view;
    if (performance.now() > until) throw new Error(`job ${id} still ${view.state} after ${timeoutMs / 1000} s (${JSON.stringify(view.tiles)})`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

module.exports = { startBenchFarm, waitForJob };

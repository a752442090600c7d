'use strict';
// Preloaded into the farm's children by the dispatch and upload suites (NODE_OPTIONS=--require ...) when
// TESSERA_BENCH_CPU_PROF=1: Node 20 refuses --cpu-prof in NODE_OPTIONS, so the app named by
// TESSERA_BENCH_PROF_APP (default coordinator) profiles itself through the inspector and writes
// <TESSERA_BENCH_PROF_DIR>/<app>.<pid>.cpuprofile on SIGUSR2 (Nest's shutdown hooks end the process by
// re-raising SIGTERM, so an 'exit' handler would never run).
const { Session } = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.TESSERA_BENCH_PROF_DIR;
const app = process.env.TESSERA_BENCH_PROF_APP ?? 'coordinator';
if (dir && (process.argv[1] ?? '').includes(`/apps/${app}/`)) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${app}.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

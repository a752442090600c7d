'use strict';
// Suite "dispatch" (issue 6, suite 1): dispatch throughput through the real coordinator, database, S3 and
// JetStream. A Farm with no workers runs nats-server, the embedded S3, the database (SQLite, then a throwaway
// PostgreSQL when its binaries are installed), one coordinator and the API as child processes; this process
// simulates WORKERS workers, each its own NATS connection speaking docs/protocol.md, that "render" by
// uploading a precomputed PNG (with its true pixel hash) to the presigned URL at once.
//
// Each simulated worker is what docs/protocol.md asks of a real one: its own NKey (made in memory), allowed on
// the farm's embedded nats-server with `farm.natsAuthorization.allowWorker` before it connects, a connection
// authenticated with that key and `inboxPrefix: subjects.inbox(workerId)`, requests and results on the
// subjects ending in its own id, `publicKey` in its registration, and `attempt` plus a `signResult` signature
// in every result. nats-server lets a worker key publish only on its own five subjects, so the raw NATS
// baseline and the job-event watcher use connections with the farm's `api` service key instead.
//
// The farm runs with SPOT_CHECKS=false: this suite measures plain dispatch (lease, PUT, result, accept,
// stitch); spot-checks would add re-renders of sampled tiles, which docs/verification.md and the
// `verification` suite cover.
//
// Environment: TESSERA_BENCH_TILES (default 20000, rounded to whole frames of 200 tiles),
// TESSERA_BENCH_WORKERS (200), TESSERA_BENCH_DB (`sqlite,postgres`), TESSERA_BENCH_TIMEOUT_S (600 per run),
// TESSERA_BENCH_CPU_PROF=1 (profile the coordinator through the inspector, as node --cpu-prof would, and print
// its hottest functions), TESSERA_BENCH_PG_STATEMENTS=1 (PostgreSQL's time by statement, from pg_stat_statements).
const { readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } = require('node:fs');
const { tmpdir, availableParallelism } = require('node:os');

const cores = () => availableParallelism();
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { jetstream } = require('@nats-io/jetstream');
const { createUser } = require('@nats-io/nkeys');
const { Farm, defaultFarmOptions } = require('../../dist/apps/cli/src/farm');
const { apiClient } = require('../lib/api');
const { planTiles } = require('../../dist/node_modules/@tessera/domain');
const { encodePng, pixelHash } = require('../../dist/node_modules/@tessera/imaging');
const { resultSigner, signResult, subjects } = require('../../dist/node_modules/@tessera/contracts');
const { connectNats, readIdentityFile } = require('../../dist/node_modules/@tessera/messaging');
const { fixed } = require('../lib/measure');
const { startPostgres } = require('../lib/postgres');
const { topFunctions } = require('../lib/cpu-profile');
const { cpuOf, memoryOf, treeCpuSeconds } = require('../lib/proc');

const ROOT = join(__dirname, '..', '..');
const WIDTH = 640;
const HEIGHT = 320;
const COLS = 20;
const ROWS = 10; // 200 tiles of 32x32 per frame
const TILES_PER_FRAME = COLS * ROWS;
const TARGET_TILES_PER_S = 2000;
const TARGET_RSS_MIB = 512;
const BASELINE_MS = 3000;
const IDLE_MS = 500; // what Tessera's worker waits after an empty work reply
const REQUEST_TIMEOUT_MS = 30_000;

const enc = new TextEncoder();
const dec = new TextDecoder();
const json = (v) => enc.encode(JSON.stringify(v));

function envInt(name, fallback) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** utime+stime (s) and VmHWM/VmRSS (MiB) of a process, from /proc. */
const procStats = (pid) => ({ cpu: cpuOf(pid), ...memoryOf(pid) });

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function requestJson(nc, subject, payload) {
  const reply = await nc.request(subject, json(payload), { timeout: REQUEST_TIMEOUT_MS });
  const body = JSON.parse(dec.decode(reply.data));
  if (body && body.error) {
    const error = new Error(`${body.error.code}: ${body.error.message}`);
    error.code = body.error.code;
    throw error;
  }
  return body;
}

/** One PNG per distinct tile size, with its pixel hash (the coordinator recomputes and compares it). */
async function precomputeTiles() {
  const tiles = new Map();
  let seed = 12345;
  for (const region of planTiles(WIDTH, HEIGHT, COLS, ROWS)) {
    const key = `${region.width}x${region.height}`;
    if (tiles.has(key)) continue;
    const data = new Uint8Array(region.width * region.height * 3);
    for (let i = 0; i < data.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = seed >>> 24;
    }
    const png = await encodePng({ data, width: region.width, height: region.height, channels: 3 }, 8);
    tiles.set(key, { png, hash: await pixelHash(png) });
  }
  return tiles;
}

/**
 * Raw NATS request/reply round trips per second: as many connections as workers, a trivial in-process
 * responder. A worker's key may not publish on the echo subject, so these connect with `credentials` (a
 * service key) rather than being the workers' own connections.
 */
async function natsBaseline(natsUrl, connections, credentials) {
  const responder = await connectNats(natsUrl, 'bench-echo', credentials);
  const reply = json({ leases: [] });
  responder.subscribe('bench.v1.echo', { callback: (_err, msg) => msg.respond(reply) });
  await responder.flush();
  let count = 0;
  const latencies = [];
  const until = performance.now() + BASELINE_MS;
  const started = performance.now();
  await Promise.all(
    connections.map(async (nc, i) => {
      const payload = json({ workerId: `bench-${i}`, max: (i % 4) + 1 });
      while (performance.now() < until) {
        const t0 = performance.now();
        await nc.request('bench.v1.echo', payload, { timeout: REQUEST_TIMEOUT_MS });
        latencies.push(performance.now() - t0);
        count++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await responder.close();
  latencies.sort((a, b) => a - b);
  return { roundTripsPerS: count / seconds, count, seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/** One simulated worker: register, heartbeat, ask for work, PUT the tile, publish the result. */
async function simulateWorker(nc, index, ctx) {
  const js = jetstream(nc);
  const { workerId, signer } = ctx.identities[index];
  const max = (index % 4) + 1;
  const register = () =>
    requestJson(nc, subjects.workerRegister(workerId), {
      workerId,
      name: `bench-${index}`,
      protocol: 'v1',
      publicKey: signer.publicKey,
      capabilities: { renderers: [{ name: 'builtin', version: 'builtin-1.0.0' }], cpuCores: 4, memoryMiB: 8192, gpus: [], slots: max },
    });
  const { heartbeatIntervalMs } = await register();
  const held = new Set();
  const heartbeat = setInterval(() => {
    requestJson(nc, subjects.heartbeat(workerId), { workerId, leaseIds: [...held].slice(0, 256) })
      .then((r) => {
        // A closed lease (its result taken by a coordinator) is answered in `abort`: stop renewing it.
        for (const leaseId of r.abort) held.delete(leaseId);
        ctx.aborts += r.abort.length;
      })
      .catch(() => ctx.errors.heartbeat++);
  }, heartbeatIntervalMs);
  heartbeat.unref();

  const handle = async (lease) => {
    held.add(lease.leaseId);
    const base = { leaseId: lease.leaseId, tileId: lease.tileId, attempt: lease.attempt, workerId };
    const started = performance.now();
    let result;
    try {
      const tile = ctx.tiles.get(`${lease.region.width}x${lease.region.height}`);
      if (!tile) throw new Error(`no precomputed tile of ${lease.region.width}x${lease.region.height}`);
      const t0 = performance.now();
      const response = await fetch(lease.output.url, {
        method: 'PUT',
        body: tile.png,
        headers: { 'content-type': 'image/png', 'content-length': String(tile.png.length) },
      });
      if (!response.ok) throw new Error(`PUT ${response.status}`);
      await response.arrayBuffer();
      ctx.putMs.push(performance.now() - t0);
      result = {
        ...base,
        status: 'rendered',
        pixelSha256: tile.hash,
        width: lease.region.width,
        height: lease.region.height,
        renderSeconds: (performance.now() - started) / 1000,
        device: 'cpu',
        rendererVersion: 'builtin-1.0.0',
      };
    } catch (error) {
      ctx.errors.put++;
      result = { ...base, status: 'failed', error: String(error.message).slice(0, 4000), renderSeconds: 0 };
    }
    // The coordinator refuses an unsigned result (docs/protocol.md, "Signed results").
    result = signResult(result, signer);
    for (let attempt = 0; ; attempt++) {
      try {
        const t0 = performance.now();
        await js.publish(subjects.result(workerId), json(result));
        ctx.publishMs.push(performance.now() - t0);
        ctx.published++;
        ctx.lastPublishAt = performance.now();
        // Renewed until a heartbeat reply says the coordinator took the result (docs/protocol.md).
        return;
      } catch (error) {
        ctx.errors.publish++;
        if (attempt >= 20 || ctx.done) break;
        await sleep(100);
      }
    }
    held.delete(lease.leaseId);
  };

  try {
    while (!ctx.done) {
      const t0 = performance.now();
      let leases;
      try {
        leases = (await requestJson(nc, subjects.workRequest(workerId), { workerId, max })).leases;
      } catch (error) {
        ctx.errors.work++;
        if (error.code === 'unknown_worker') await register().catch(() => undefined);
        else await sleep(200);
        continue;
      }
      const ms = performance.now() - t0;
      ctx.leaseMs.push(ms);
      if (leases.length === 0) {
        ctx.emptyReplies++;
        await sleep(IDLE_MS);
        continue;
      }
      ctx.firstLeaseAt ??= t0;
      ctx.leaseMsNonEmpty.push(ms);
      ctx.leased += leases.length;
      await Promise.all(leases.map(handle));
    }
  } finally {
    clearInterval(heartbeat);
  }
}

async function runOnce({ log, db, tiles, workers, totalTiles }) {
  const home = mkdtempSync(join(tmpdir(), `tessera-bench-dispatch-${db}-`));
  const profDir = join(home, 'cpu-prof');
  const env = { ...process.env };
  delete env.DATABASE_URL;
  // Plain dispatch is what is measured: no sampled tile is leased again to a second worker for a spot-check.
  env.SPOT_CHECKS = 'false';
  let pg;
  if (db === 'postgres') {
    pg = await startPostgres({ statements: process.env.TESSERA_BENCH_PG_STATEMENTS === '1' });
    if (pg.skipped) {
      rmSync(home, { recursive: true, force: true });
      return { db, skipped: pg.skipped };
    }
    env.DATABASE_URL = pg.url;
  }
  if (process.env.TESSERA_BENCH_CPU_PROF === '1') {
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload starts the inspector's profiler instead.
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${join(__dirname, '..', 'lib', 'cpu-prof-preload.js')}`.trim();
    env.TESSERA_BENCH_PROF_DIR = profDir;
  }
  const farm = new Farm({ ...defaultFarmOptions(), home, workers: 0, apiPort: 0, echoLogs: false, env });
  const connections = [];
  const baselineConnections = [];
  let observer;
  const ctx = {
    tag: `${db}${process.pid}`,
    identities: [],
    tiles,
    done: false,
    leased: 0,
    published: 0,
    emptyReplies: 0,
    aborts: 0,
    leaseMs: [],
    leaseMsNonEmpty: [],
    putMs: [],
    publishMs: [],
    errors: { work: 0, put: 0, publish: 0, heartbeat: 0 },
    firstLeaseAt: undefined,
    lastPublishAt: undefined,
  };
  try {
    const info = await farm.start();
    const coordinatorPid = farm.coordinators[0].pid;
    const api = apiClient(info.apiUrl, farm);
    log(`dispatch [${db}${pg ? `, ${pg.version}` : ''}]: farm up (coordinator pid ${coordinatorPid}), ${workers} worker connections`);
    // The bench plays a farm service for what no worker key may do (the baseline's echo, watching job events).
    const auth = farm.natsAuthorization;
    const service = auth ? { seed: readIdentityFile(auth.serviceSeedFile('api')).seed } : {};
    // Every key is allowed before any worker connects: each allowWorker reloads nats-server, and connectNats
    // retries a handshake that a reload refused or dropped.
    for (let i = 0; i < workers; i++) {
      const workerId = `bench-${ctx.tag}-${i}`;
      const seed = createUser().getSeed();
      const signer = resultSigner(seed);
      auth?.allowWorker(signer.publicKey, workerId);
      ctx.identities.push({ workerId, seed, signer });
    }
    const retry = { onUnauthorised: () => undefined };
    for (const { workerId, seed } of ctx.identities) {
      connections.push(await connectNats(info.natsUrl, `bench-worker-${workerId}`, { seed, inboxPrefix: subjects.inbox(workerId), ...retry }));
    }
    observer = await connectNats(info.natsUrl, 'bench-observer', { ...service, ...retry });
    for (let i = 0; i < workers; i++) baselineConnections.push(await connectNats(info.natsUrl, `bench-echo-${i}`, { ...service, ...retry }));
    const baseline = await natsBaseline(info.natsUrl, baselineConnections, { ...service, ...retry });
    await Promise.all(baselineConnections.splice(0).map((nc) => nc.close()));
    log(`dispatch [${db}]: raw NATS request/reply ${fixed(baseline.roundTripsPerS, 0)}/s (p50 ${fixed(baseline.p50Ms)} ms, p99 ${fixed(baseline.p99Ms)} ms)`);

    // The still example, its frame range stretched to as many frames as the tile count needs (same content).
    const frames = Math.max(1, Math.round(totalTiles / TILES_PER_FRAME));
    const scene = JSON.parse(readFileSync(join(ROOT, 'examples', 'still.scene.json'), 'utf8'));
    scene.animation.frameEnd = scene.animation.frameStart + frames - 1;
    const scenePath = join(home, 'still.scene.json');
    writeFileSync(scenePath, JSON.stringify(scene));
    const uploaded = await api.uploadScene(scenePath, 'builtin');
    const submitStarted = performance.now();
    const job = await api.submitJob({ sceneId: uploaded.id, frames: `${scene.animation.frameStart}-${scene.animation.frameEnd}`, width: WIDTH, height: HEIGHT, tiles: `${COLS}x${ROWS}` });
    const submitMs = performance.now() - submitStarted;
    log(`dispatch [${db}]: job ${job.id}: ${frames} frames x ${TILES_PER_FRAME} tiles = ${job.tiles.total} tiles (submit ${fixed(submitMs, 0)} ms)`);

    // Job events (best effort) give the completion time without the 1 s poll's granularity.
    let completedAt;
    let finalState;
    const events = observer.subscribe(subjects.jobEvent(job.id), {
      callback: (_err, msg) => {
        const event = JSON.parse(dec.decode(msg.data));
        if (event.type === 'job.state' && ['completed', 'failed', 'cancelled'].includes(event.state)) {
          completedAt ??= performance.now();
          finalState ??= event.state;
          ctx.done = true;
        }
      },
    });

    if (process.env.TESSERA_BENCH_PG_STATEMENTS === '1') await pg?.resetStatements?.();
    const before = procStats(coordinatorPid);
    const apiPid = farm.processes?.find?.((p) => p.name === 'api')?.pid;
    const natsPid = auth ? Number(readFileSync(auth.pidFile, 'utf8').trim()) : undefined;
    // Everything on the machine that serves the job, so the figures say what one tile costs in all.
    const others = { api: apiPid, natsServer: natsPid, postgres: pg?.pid };
    const othersBefore = Object.fromEntries(Object.entries(others).map(([k, pid]) => [k, pid ? treeCpuSeconds(pid) : NaN]));
    const ownBefore = process.cpuUsage();
    const timeline = [];
    const deadline = performance.now() + envInt('TESSERA_BENCH_TIMEOUT_S', 600) * 1000;
    const simulation = Promise.all(connections.map((nc, i) => simulateWorker(nc, i, ctx)));
    let view = job;
    while (!ctx.done) {
      await sleep(1000);
      view = await api.job(job.id);
      const s = procStats(coordinatorPid);
      timeline.push({ t: ctx.firstLeaseAt ? (performance.now() - ctx.firstLeaseAt) / 1000 : 0, accepted: view.tiles.accepted, framesDone: view.framesDone, coordinatorRssMiB: s.rssMiB, coordinatorCpuS: s.cpu - before.cpu });
      log(`  t=${fixed(timeline.at(-1).t, 0)} s accepted ${view.tiles.accepted}/${view.tiles.total}, frames ${view.framesDone}/${view.frameCount}, leased ${view.tiles.leased}, coordinator RSS ${fixed(s.rssMiB, 0)} MiB`);
      if (['completed', 'failed', 'cancelled'].includes(view.state)) {
        completedAt ??= performance.now();
        finalState ??= view.state;
        ctx.done = true;
      }
      if (performance.now() > deadline) {
        log(`dispatch [${db}]: timed out; reporting the partial run`);
        completedAt = performance.now();
        finalState = `timed out (${view.state})`;
        ctx.done = true;
      }
    }
    const after = procStats(coordinatorPid);
    const own = process.cpuUsage(ownBefore);
    const othersCpu = Object.fromEntries(Object.entries(others).map(([k, pid]) => [k, pid ? treeCpuSeconds(pid) - othersBefore[k] : NaN]));
    events.unsubscribe();
    await simulation;
    view = await api.job(job.id);

    const seconds = (completedAt - (ctx.firstLeaseAt ?? completedAt)) / 1000;
    const accepted = view.tiles.accepted;
    const cpu = after.cpu - before.cpu;
    const sorted = [...ctx.leaseMs].sort((a, b) => a - b);
    const sortedNonEmpty = [...ctx.leaseMsNonEmpty].sort((a, b) => a - b);
    const put = [...ctx.putMs].sort((a, b) => a - b);
    const pub = [...ctx.publishMs].sort((a, b) => a - b);
    const result = {
      db,
      dbVersion: pg?.version ?? 'SQLite (better-sqlite3/sqlite3 as built)',
      jobId: job.id,
      state: finalState,
      frames,
      tilesTotal: view.tiles.total,
      accepted,
      failedOrRetried: { failed: view.tiles.failed, errors: view.errors?.length ?? 0 },
      workers,
      seconds,
      tilesPerS: accepted / seconds,
      publishedAllAtS: ctx.lastPublishAt && ctx.firstLeaseAt ? (ctx.lastPublishAt - ctx.firstLeaseAt) / 1000 : null,
      submitMs,
      lease: { requests: sorted.length, empty: ctx.emptyReplies, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), nonEmptyP50Ms: percentile(sortedNonEmpty, 50), nonEmptyP99Ms: percentile(sortedNonEmpty, 99), leased: ctx.leased },
      putMs: { p50: percentile(put, 50), p99: percentile(put, 99) },
      publishMs: { p50: percentile(pub, 50), p99: percentile(pub, 99) },
      coordinator: { cpuSeconds: cpu, cpuSecondsPer1000Tiles: (cpu / accepted) * 1000, cpuUtilisation: cpu / seconds, peakRssMiB: after.hwmMiB },
      api: apiPid ? procStats(apiPid) : null,
      benchProcessCpuSeconds: (own.user + own.system) / 1e6,
      cpuSecondsPer1000Tiles: undefined,
      aborts: ctx.aborts,
      errors: ctx.errors,
      baseline,
      ratioTilesToRoundTrips: accepted / seconds / baseline.roundTripsPerS,
      timeline,
    };
    // Per 1,000 accepted tiles, by process; the bench process is the simulated workers and the embedded S3.
    const per1000 = (s) => (s / accepted) * 1000;
    const byProcess = {
      coordinator: per1000(cpu),
      api: per1000(othersCpu.api),
      natsServer: per1000(othersCpu.natsServer),
      ...(pg ? { postgres: per1000(othersCpu.postgres) } : {}),
      workersAndS3: per1000(result.benchProcessCpuSeconds),
    };
    const total = Object.values(byProcess).filter(Number.isFinite).reduce((a, b) => a + b, 0);
    result.cpuSecondsPer1000Tiles = { ...byProcess, total };
    // What the machine could do if these processes had every core and nothing else ran.
    result.machineCeilingTilesPerS = (cores() * 1000) / total;
    log(
      `dispatch [${db}]: ${accepted} tiles accepted in ${fixed(seconds, 1)} s = ${fixed(result.tilesPerS, 0)} tiles/s; lease p50 ${fixed(result.lease.p50Ms)} ms p99 ${fixed(result.lease.p99Ms)} ms; ` +
        `coordinator ${fixed(cpu, 1)} CPU s (${fixed(result.coordinator.cpuSecondsPer1000Tiles, 2)} per 1000 tiles, ${fixed(result.coordinator.cpuUtilisation * 100, 0)}% of a core), peak RSS ${fixed(after.hwmMiB, 0)} MiB; ` +
        `bench process ${fixed(result.benchProcessCpuSeconds, 1)} CPU s; CPU s per 1000 tiles ${Object.entries(result.cpuSecondsPer1000Tiles).map(([k, v]) => `${k} ${fixed(v, 2)}`).join(', ')} ` +
        `(all ${cores()} cores: at most ${fixed(result.machineCeilingTilesPerS, 0)} tiles/s); PUT p50 ${fixed(result.putMs.p50)} ms, publish p50 ${fixed(result.publishMs.p50)} ms; errors ${JSON.stringify(ctx.errors)}`,
    );
    if (pg && process.env.TESSERA_BENCH_PG_STATEMENTS === '1') {
      result.postgresStatements = await pg.topStatements();
      log(`dispatch [${db}]: PostgreSQL time by statement (pg_stat_statements, planning + execution):`);
      for (const s of result.postgresStatements) log(`  ${s.total_ms} ms (plan ${s.plan_ms}) in ${s.calls} calls, ${s.mean_ms} ms each: ${s.query}`);
    }
    if (process.env.TESSERA_BENCH_CPU_PROF === '1') {
      process.kill(coordinatorPid, 'SIGUSR2');
      await sleep(2000);
    }
    return { result, profDir, coordinatorPid };
  } catch (error) {
    const logFile = join(home, 'logs', 'coordinator-1.log');
    if (existsSync(logFile)) log(readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n'));
    throw error;
  } finally {
    ctx.done = true;
    await Promise.all([...connections, ...baselineConnections, observer].filter(Boolean).map((nc) => nc.close().catch(() => undefined)));
    await farm.stop().catch((error) => log(`farm stop: ${error.message}`));
    await pg?.stop?.();
    // Kept when profiling: the profile is read from it afterwards.
    if (process.env.TESSERA_BENCH_CPU_PROF !== '1') rmSync(home, { recursive: true, force: true });
  }
}

async function run({ log }) {
  const totalTiles = envInt('TESSERA_BENCH_TILES', 20_000);
  const workers = envInt('TESSERA_BENCH_WORKERS', 200);
  const dbs = (process.env.TESSERA_BENCH_DB ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
  const tiles = await precomputeTiles();
  const rows = [];
  const runs = [];
  for (const db of dbs) {
    const out = await runOnce({ log, db, tiles, workers, totalTiles });
    if (out.skipped) {
      log(`dispatch [${db}]: skipped: ${out.skipped}`);
      rows.push({ metric: `[${db}] skipped`, value: out.skipped });
      runs.push(out);
      continue;
    }
    const r = out.result;
    if (process.env.TESSERA_BENCH_CPU_PROF === '1' && existsSync(out.profDir)) {
      const file = readdirSync(out.profDir).find((f) => f.includes(`.${out.coordinatorPid}.`));
      if (file) {
        r.coordinatorProfile = { file: join(out.profDir, file), top: topFunctions(join(out.profDir, file)) };
        log(`dispatch [${db}]: coordinator CPU profile ${r.coordinatorProfile.file}; hottest (self time):`);
        for (const f of r.coordinatorProfile.top) log(`  ${fixed(f.selfPct, 1)}%  ${f.fn}`);
      }
    }
    runs.push(r);
    const tag = `[${db}, ${r.accepted} tiles, ${workers} workers]`;
    rows.push(
      { metric: `${tag} accepted tiles/s`, value: fixed(r.tilesPerS, 0), baseline: `NATS req/reply ${fixed(r.baseline.roundTripsPerS, 0)}/s`, ratio: fixed(r.ratioTilesToRoundTrips, 3), target: `>= ${TARGET_TILES_PER_S}`, met: r.tilesPerS >= TARGET_TILES_PER_S && r.state === 'completed' ? 'met' : 'NOT MET' },
      { metric: `${tag} lease latency p50 / p99`, value: `${fixed(r.lease.p50Ms, 1)} / ${fixed(r.lease.p99Ms, 1)} ms`, baseline: `${fixed(r.baseline.p50Ms, 2)} / ${fixed(r.baseline.p99Ms, 2)} ms`, ratio: fixed(r.lease.p50Ms / r.baseline.p50Ms, 1) },
      { metric: `${tag} coordinator CPU s per 1000 tiles`, value: fixed(r.coordinator.cpuSecondsPer1000Tiles, 2) },
      {
        metric: `${tag} CPU s per 1000 tiles, every process (workers + S3 = the bench process)`,
        value: Object.entries(r.cpuSecondsPer1000Tiles).map(([k, v]) => `${k} ${fixed(v, 1)}`).join(', '),
      },
      { metric: `${tag} tiles/s if every core did only this`, value: fixed(r.machineCeilingTilesPerS, 0), baseline: `${cores()} cores`, ratio: fixed(r.tilesPerS / r.machineCeilingTilesPerS, 2) },
      { metric: `${tag} coordinator peak RSS`, value: `${fixed(r.coordinator.peakRssMiB, 0)} MiB`, target: `< ${TARGET_RSS_MIB} MB`, met: r.coordinator.peakRssMiB * 1.048576 < TARGET_RSS_MIB ? 'met' : 'NOT MET' },
    );
  }
  return { rows, json: { parameters: { totalTiles, workers, width: WIDTH, height: HEIGHT, tiling: `${COLS}x${ROWS}` }, runs } };
}

module.exports = { name: 'dispatch', run };

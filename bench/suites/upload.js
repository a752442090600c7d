'use strict';
// Suite "upload" (issue 6, suite 5): a large scene through `POST /v1/scenes` against the same bytes put
// straight into the same S3 endpoint with the AWS SDK, in the same run, on the same farm. Also reports the
// API process's peak RSS during each upload: the API streams (spools to disk while hashing), so its RSS
// must not grow with the size of the scene.
//
// The scene is a zip, as an artist ships a .blend with its textures: the Blender example plus one
// incompressible "texture" that makes up the size. Without Blender the suite is skipped: the API checks
// every upload with its renderer, and the builtin renderer's JSON scenes are parsed whole. It is
// generated in a temporary directory and removed afterwards; its bytes are new every run (the API stores
// the same bytes once).
//
// Environment: TESSERA_BENCH_UPLOAD_MB (default 1024; below 4096, the zip has no zip64), TESSERA_BENCH_UPLOAD_SMALL_MB
// (default 64: a first, small upload that warms both paths up and gives the RSS at another size),
// TESSERA_BENCH_CPU_PROF=1 (profile the API, keep it as bench-results/upload-api.cpuprofile, print its
// hottest functions).
const { createCipheriv, createHash, randomBytes } = require('node:crypto');
const { closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { crc32 } = require('node:zlib');
const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { BlenderRenderer, ensureBlenderExample, extractZip } = require('../../dist/node_modules/@tessera/renderers');
const { topFunctions } = require('../lib/cpu-profile');
const { startBenchFarm } = require('../lib/farm');
const { fixed } = require('../lib/measure');
const { cpuOf, memoryOf, sampleRss } = require('../lib/proc');

const MiB = 1024 * 1024;
const TARGET_RATIO = 0.8;
const CHUNK = 4 * MiB;
const PRELOAD = join(__dirname, '..', 'lib', 'cpu-prof-preload.js');
const RESULTS = join(__dirname, '..', '..', 'bench-results');

function envMiB(name, fallback) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** The renderer that will check the upload, and the scene file it needs; null without Blender. */
async function sceneSource() {
  if (!BlenderRenderer.detect({ sandbox: 'off' })) return null;
  return { renderer: 'blender', name: 'scene.blend', path: await ensureBlenderExample() };
}

/**
 * Writes a stored (uncompressed) zip of `main` plus `textures/noise.bin` making the archive `totalBytes`
 * long. The noise is AES-CTR keystream under a random key: incompressible, fast, new every call. The CRC of
 * each entry is patched into its header once its data is written, so nothing is held in memory.
 */
function writeSceneZip(file, main, totalBytes) {
  const fd = openSync(file, 'w');
  const central = [];
  let offset = 0;
  const put = (buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  const entry = (name, size, writeData) => {
    const nameBytes = Buffer.from(name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt32LE(size, 18);
    header.writeUInt32LE(size, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    const at = offset;
    put(header);
    put(nameBytes);
    const crc = writeData();
    const crcBytes = Buffer.alloc(4);
    crcBytes.writeUInt32LE(crc >>> 0);
    writeSync(fd, crcBytes, 0, 4, at + 14);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE((3 << 8) | 20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt32LE(crc >>> 0, 16);
    record.writeUInt32LE(size, 20);
    record.writeUInt32LE(size, 24);
    record.writeUInt16LE(nameBytes.length, 28);
    record.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    record.writeUInt32LE(at, 42);
    central.push(record, nameBytes);
  };
  const mainBytes = readFileSync(main.path);
  entry(main.name, mainBytes.length, () => {
    put(mainBytes);
    return crc32(mainBytes);
  });
  const noiseName = 'textures/noise.bin';
  const overhead = offset + 30 + noiseName.length + central.reduce((n, b) => n + b.length, 0) + 46 + noiseName.length + 22;
  const noiseBytes = Math.max(0, totalBytes - overhead);
  entry(noiseName, noiseBytes, () => {
    const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
    const zeros = Buffer.alloc(CHUNK);
    let crc = 0;
    for (let left = noiseBytes; left > 0; left -= CHUNK) {
      const chunk = cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
      crc = crc32(chunk, crc);
      put(chunk);
    }
    return crc;
  });
  const centralAt = offset;
  const directory = Buffer.concat(central);
  put(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(2, 8);
  end.writeUInt16LE(2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(centralAt, 16);
  put(end);
  closeSync(fd);
  return offset;
}

/** Reads the file once through SHA-256: what the disk and one core give, for context. */
async function hashThroughput(file) {
  const started = performance.now();
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: MiB }), hash);
  return { seconds: (performance.now() - started) / 1000, sha256: hash.digest('hex') };
}

/**
 * The API's steps on the same file, one at a time in this process, for "where the time goes": spool to
 * disk while hashing (as the API receives the body), unpack the zip (the renderer's check prepares the
 * scene), the whole check (unpack + Blender reading the scene), and the store is the direct PUT above.
 */
async function breakdown(file, dir) {
  const seconds = async (work) => {
    const started = performance.now();
    await work();
    return (performance.now() - started) / 1000;
  };
  const spool = join(dir, 'spool.zip');
  const spoolS = await seconds(() => {
    const hash = createHash('sha256');
    const meter = new Transform({
      transform(chunk, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    return pipeline(createReadStream(file, { highWaterMark: MiB }), meter, createWriteStream(spool));
  });
  rmSync(spool, { force: true });
  const unpacked = join(dir, 'unpacked');
  const extractS = await seconds(() => extractZip(file, unpacked));
  rmSync(unpacked, { recursive: true, force: true });
  const renderer = new BlenderRenderer({ mode: 'cold' });
  const inspectS = await seconds(() => renderer.inspect(file)).finally(() => renderer.close());
  return { spoolS, extractS, inspectS };
}

/** Has the API write its CPU profile (from its start to now), keeps it in bench-results/ and prints its hottest functions. */
async function apiProfile(pid, profDir, log) {
  process.kill(pid, 'SIGUSR2');
  const file = join(profDir, `api.${pid}.cpuprofile`);
  for (let waited = 0; !existsSync(file) && waited < 10_000; waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
  if (!existsSync(file)) {
    log('upload: the API wrote no CPU profile');
    return null;
  }
  const kept = join(RESULTS, 'upload-api.cpuprofile');
  mkdirSync(RESULTS, { recursive: true });
  copyFileSync(file, kept);
  const top = topFunctions(kept, 12);
  log(`upload: API CPU profile (start-up and both uploads) in ${kept}; hottest (self time):`);
  for (const f of top) log(`  ${fixed(f.selfPct, 1)}%  ${f.fn}`);
  return { file: kept, top };
}

/** Runs `work`, with the API's RSS sampled meanwhile and the CPU seconds of the API and of this process. */
async function timed(pid, work) {
  const before = memoryOf(pid);
  const cpuBefore = cpuOf(pid);
  const ownBefore = process.cpuUsage();
  const sampler = sampleRss(pid);
  const started = performance.now();
  let result;
  let peak;
  try {
    result = await work();
  } finally {
    peak = sampler.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuOf(pid);
  const own = process.cpuUsage(ownBefore);
  const cpu = { api: cpuAfter - cpuBefore, bench: (own.user + own.system) / 1e6 };
  return { seconds, rssBeforeMiB: before.rssMiB, peakRssMiB: peak, cpu, result };
}

/** One size: the API upload, then the direct PUT of the same file (already in the page cache for both). */
async function measure({ log, farm, s3, file, source, tag }) {
  const bytes = statSync(file).size;
  const mbps = (s) => bytes / MiB / s;
  const api = await timed(farm.apiPid, () => farm.api.uploadScene(file, source.renderer, `bench-${tag}.zip`));
  const direct = await timed(farm.apiPid, () =>
    s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `bench/upload-${tag}`, Body: createReadStream(file, { highWaterMark: MiB }), ContentLength: bytes })),
  );
  log(
    `upload [${tag}, ${fixed(bytes / MiB, 0)} MiB]: API ${fixed(api.seconds, 1)} s = ${fixed(mbps(api.seconds), 1)} MiB/s (API RSS ${fixed(api.rssBeforeMiB, 0)} -> peak ${fixed(api.peakRssMiB, 0)} MiB); ` +
      `direct PUT ${fixed(direct.seconds, 1)} s = ${fixed(mbps(direct.seconds), 1)} MiB/s; ratio ${fixed(direct.seconds / api.seconds, 2)}`,
  );
  log(
    `upload [${tag}]: CPU seconds through the API: API ${fixed(api.cpu.api, 1)}, bench process (client + S3 server) ${fixed(api.cpu.bench, 1)}; ` +
      `direct PUT: bench process ${fixed(direct.cpu.bench, 1)}`,
  );
  return {
    bytes,
    sceneId: api.result.id,
    api: { seconds: api.seconds, mibPerS: mbps(api.seconds), rssBeforeMiB: api.rssBeforeMiB, peakRssMiB: api.peakRssMiB, cpuSeconds: api.cpu },
    direct: { seconds: direct.seconds, mibPerS: mbps(direct.seconds), apiPeakRssMiB: direct.peakRssMiB, cpuSeconds: direct.cpu },
    ratio: direct.seconds / api.seconds,
  };
}

async function run({ log }) {
  const bigMiB = envMiB('TESSERA_BENCH_UPLOAD_MB', 1024);
  const smallMiB = envMiB('TESSERA_BENCH_UPLOAD_SMALL_MB', 64);
  if (bigMiB >= 4096) throw new Error('TESSERA_BENCH_UPLOAD_MB must be below 4096 (the generated zip has no zip64 records)');
  const source = await sceneSource();
  if (!source) {
    log('upload: skipped: blender is not installed (apt-get install blender, or bash scripts/bootstrap.sh)');
    return { rows: [{ metric: 'skipped', value: 'blender is not installed' }], json: { skipped: 'blender is not installed' } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-upload-'));
  // The farm must accept the big scene; workers are not needed.
  const env = { MAX_SCENE_BYTES: String((bigMiB + 64) * MiB) };
  if (process.env.TESSERA_BENCH_CPU_PROF === '1') {
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload starts the inspector's profiler instead.
    Object.assign(env, { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`.trim(), TESSERA_BENCH_PROF_DIR: join(dir, 'prof'), TESSERA_BENCH_PROF_APP: 'api' });
  }
  let farm;
  try {
    farm = await startBenchFarm({ tag: 'upload', workers: 0, env, log });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const s3config = farm.farm.config.s3;
  const s3 = {
    bucket: s3config.bucket,
    // The settings of the API's own client (ObjectStorage in libs/storage): with the SDK's default checksums
    // a streamed PutObject would be stored with its aws-chunked framing inside.
    client: new S3Client({
      endpoint: s3config.endpoint,
      region: s3config.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3config.accessKeyId, secretAccessKey: s3config.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  };
  try {
    log(`upload: farm up (API pid ${farm.apiPid}); scenes are zips of the ${source.renderer} example plus noise, checked by ${source.renderer}`);
    const runs = [];
    for (const [tag, size] of [['small', smallMiB], ['large', bigMiB]]) {
      const file = join(dir, `${tag}.zip`);
      const generated = performance.now();
      writeSceneZip(file, source, size * MiB);
      const hashed = await hashThroughput(file);
      log(`upload [${tag}]: generated ${size} MiB in ${fixed((performance.now() - generated) / 1000, 1)} s; SHA-256 read ${fixed(size / hashed.seconds, 0)} MiB/s`);
      const result = await measure({ log, farm, s3, file, source, tag });
      if (result.sceneId !== hashed.sha256) throw new Error(`the API stored scene ${result.sceneId}; the file's SHA-256 is ${hashed.sha256}`);
      if (tag === 'large' && process.env.TESSERA_BENCH_CPU_PROF === '1') result.apiProfile = await apiProfile(farm.apiPid, join(dir, 'prof'), log);
      if (tag === 'large') {
        result.steps = await breakdown(file, dir);
        const { spoolS, extractS, inspectS } = result.steps;
        log(
          `upload [${tag}]: the API's steps alone: spool + SHA-256 ${fixed(spoolS, 1)} s, unzip ${fixed(extractS, 1)} s, ` +
            `check (unzip + Blender) ${fixed(inspectS, 1)} s, store (direct PUT) ${fixed(result.direct.seconds, 1)} s; ` +
            `sum ${fixed(spoolS + inspectS + result.direct.seconds, 1)} s against ${fixed(result.api.seconds, 1)} s through the API`,
        );
      }
      runs.push({ tag, ...result, hashMiBPerS: size / hashed.seconds });
      rmSync(file, { force: true });
    }
    const [small, large] = runs;
    const growth = large.api.peakRssMiB - small.api.peakRssMiB;
    const size = `${fixed(large.bytes / MiB, 0)} MiB`;
    const rows = [
      { metric: `${size} scene: API vs direct S3 PUT throughput`, value: `${fixed(large.api.mibPerS, 1)} MiB/s`, baseline: `${fixed(large.direct.mibPerS, 1)} MiB/s`, ratio: fixed(large.ratio, 2), target: `>= ${TARGET_RATIO}`, met: large.ratio >= TARGET_RATIO ? 'met' : 'NOT MET' },
      { metric: `${size} scene: API peak RSS during the upload`, value: `${fixed(large.api.peakRssMiB, 0)} MiB`, baseline: `${fixed(small.bytes / MiB, 0)} MiB scene: ${fixed(small.api.peakRssMiB, 0)} MiB`, ratio: fixed(large.api.peakRssMiB / small.api.peakRssMiB, 2), target: 'flat (streaming)', met: growth < 64 ? 'met' : 'NOT MET' },
      { metric: `${size} scene: SHA-256 of the file (one read, one core)`, value: `${fixed(large.hashMiBPerS, 0)} MiB/s`, target: 'info' },
      {
        metric: `${size} scene: API steps alone (spool+hash / unzip / Blender check / store)`,
        value: [large.steps.spoolS, large.steps.extractS, large.steps.inspectS - large.steps.extractS, large.direct.seconds].map((v) => fixed(v, 1)).join(' / ') + ' s',
        baseline: `API ${fixed(large.api.seconds, 1)} s`,
        target: 'info',
      },
      {
        metric: `${size} scene: CPU s while uploading (API process / bench process: client + embedded S3)`,
        value: `${fixed(large.api.cpuSeconds.api, 1)} / ${fixed(large.api.cpuSeconds.bench, 1)}`,
        baseline: `direct PUT: - / ${fixed(large.direct.cpuSeconds.bench, 1)}`,
        target: 'info',
      },
    ];
    return { rows, json: { parameters: { largeMiB: bigMiB, smallMiB, renderer: source.renderer }, runs } };
  } finally {
    s3.client.destroy();
    await farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { name: 'upload', run };

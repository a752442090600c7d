'use strict';
// One Tessera stitch in its own process, so that its peak RSS is the stitch's alone:
//   node bench/stitch-child.js MANIFEST.json OUT.png
// Reads the tile PNGs the manifest names, stitches them with @tessera/imaging, writes the frame and
// prints one JSON line: phase times (ms), the CPU time of the stitch() call and process.resourceUsage().maxRSS (KiB).
const { readFileSync, writeFileSync } = require('node:fs');
const { stitch } = require('../dist/node_modules/@tessera/imaging');

async function main() {
  const [manifestPath, outPath] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const tiles = manifest.tiles.map(({ region, file }) => ({ region, png: readFileSync(file) }));
  const read = ms();
  const cpuBefore = process.cpuUsage();
  const png = await stitch({ width: manifest.width, height: manifest.height, bitDepth: 8, tiles });
  const stitched = ms();
  const cpu = process.cpuUsage(cpuBefore);
  writeFileSync(outPath, png);
  const total = ms();
  // CPU of every thread (the libuv pool's zlib and libvips work included) during the stitch() call.
  const stitchCpuMs = (cpu.user + cpu.system) / 1000;
  const result = { readMs: read, stitchMs: stitched - read, stitchCpuMs, writeMs: total - stitched, totalMs: total, bytes: png.length };
  process.stdout.write(`${JSON.stringify({ ...result, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

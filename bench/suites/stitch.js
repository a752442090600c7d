'use strict';
// Suite "stitch" (issue 6, suite 2): Tessera's stitcher against ImageMagick composing the same PNG tiles
// into one 8-bit RGB PNG frame, 4K from 8x8 tiles and 8K from 16x16 tiles. Both run as a process reading
// the tiles from disk and writing the frame to disk; the figure is the wall-time ratio ImageMagick/Tessera.
const { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { planTiles } = require('../../dist/node_modules/@tessera/domain');
const { decodePng, encodePng } = require('../../dist/node_modules/@tessera/imaging');
const { findImageMagick } = require('../lib/imagemagick');
const { runMeasured, median, mib, fixed } = require('../lib/measure');

const FRAMES = [
  { name: '4K', width: 3840, height: 2160, grid: 8, runs: 3 },
  { name: '8K', width: 7680, height: 4320, grid: 16, runs: 2 },
];
const TARGET_RATIO = 3;
const TARGET_RSS_8K_MIB = 1024;
const CHILD = join(__dirname, '..', 'stitch-child.js');

/**
 * A deterministic RGB test frame: horizontal and vertical gradients, a 64-pixel checkerboard in blue, and
 * +-8 of hashed noise per sample, so the PNG compresses like a render (not like a flat gradient).
 */
function testImage(width, height) {
  const data = Buffer.allocUnsafe(width * height * 3);
  let i = 0;
  for (let y = 0; y < height; y++) {
    const g = Math.floor((y * 255) / (height - 1));
    for (let x = 0; x < width; x++) {
      let h = (Math.imul(x, 73856093) ^ Math.imul(y, 19349663)) >>> 0;
      h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
      h ^= h >>> 15;
      const b = ((x >> 6) ^ (y >> 6)) & 1 ? 200 : 40;
      data[i++] = clamp(Math.floor((x * 255) / (width - 1)) + (h & 15) - 8);
      data[i++] = clamp(g + ((h >>> 4) & 15) - 8);
      data[i++] = clamp(b + ((h >>> 8) & 15) - 8);
    }
  }
  return data;
}

const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Cuts the frame with planTiles and writes each tile as a PNG (zlib 6, as workers upload them). */
async function writeTiles(dir, frame, source) {
  const regions = planTiles(frame.width, frame.height, frame.grid, frame.grid);
  const tiles = [];
  for (const [index, region] of regions.entries()) {
    const data = Buffer.allocUnsafe(region.width * region.height * 3);
    for (let row = 0; row < region.height; row++) {
      const from = ((region.y + row) * frame.width + region.x) * 3;
      source.copy(data, row * region.width * 3, from, from + region.width * 3);
    }
    const file = join(dir, `tile-${String(index).padStart(3, '0')}.png`);
    writeFileSync(file, await encodePng({ data, width: region.width, height: region.height, channels: 3 }, 8));
    tiles.push({ region, file });
  }
  const manifest = join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ width: frame.width, height: frame.height, tiles }));
  return { manifest, tiles };
}

/**
 * ImageMagick composing the same tiles: each placed with -page at its offset, -layers mosaic onto a
 * black canvas, written as 8-bit RGB (PNG24) at zlib level 6 like Tessera's encoder. We also ask for no
 * row filters (Tessera writes none), but ImageMagick 6.9.11 ignores png:compression-filter=0 for RGB and
 * filters nearly every row with Average (measured): its frame is ~1.5x smaller and costs it more encoding
 * time. The size row of the table shows this; the ratio is against ImageMagick as it actually behaves.
 */
function imageMagickArgs(tiles, out) {
  const args = [];
  for (const { region, file } of tiles) args.push('-page', `+${region.x}+${region.y}`, file);
  return [...args, '-background', 'black', '-layers', 'mosaic', '+repage', '-define', 'png:compression-level=6', '-define', 'png:compression-filter=0',
    `PNG24:${out}`];
}

/** Compares a PNG's decoded pixels with the source frame; returns 'identical' or what differs. */
async function samePixels(file, frame, source) {
  const decoded = await decodePng(readFileSync(file));
  if (decoded.width !== frame.width || decoded.height !== frame.height || decoded.channels !== 3) {
    return `decodes to ${decoded.width}x${decoded.height}x${decoded.channels}, not ${frame.width}x${frame.height}x3`;
  }
  if (decoded.data.equals(source)) return 'identical';
  let differing = 0;
  for (let i = 0; i < source.length; i++) if (decoded.data[i] !== source[i]) differing++;
  return `${differing} of ${source.length} samples differ`;
}

async function benchFrame(frame, dir, magick, log) {
  log(`stitch ${frame.name}: generating ${frame.width}x${frame.height} and ${frame.grid}x${frame.grid} PNG tiles...`);
  const source = testImage(frame.width, frame.height);
  const { manifest, tiles } = await writeTiles(dir, frame, source);
  const tileBytes = tiles.reduce((sum, t) => sum + statSync(t.file).size, 0);
  const tesseraOut = join(dir, 'tessera.png');
  const magickOut = join(dir, 'imagemagick.png');
  const tessera = [];
  const im = [];
  // Interleaved, so drift on the machine hits both alike.
  for (let run = 0; run < frame.runs; run++) {
    const child = runMeasured(process.execPath, [CHILD, manifest, tesseraOut]);
    tessera.push({ wallMs: child.wallMs, cpuS: child.cpuS, timeMaxRssKiB: child.maxRssKiB, ...JSON.parse(child.stdout.trim()) });
    log(`  tessera run ${run + 1}: ${fixed(child.wallMs / 1000, 2)} s`);
    if (magick.command) {
      const result = runMeasured(magick.command, imageMagickArgs(tiles, magickOut));
      im.push({ wallMs: result.wallMs, cpuS: result.cpuS, maxRssKiB: result.maxRssKiB });
      log(`  imagemagick run ${run + 1}: ${fixed(result.wallMs / 1000, 2)} s`);
    }
  }
  const tesseraWall = median(tessera.map((r) => r.wallMs));
  const tesseraStitch = median(tessera.map((r) => r.stitchMs));
  const imWall = im.length ? median(im.map((r) => r.wallMs)) : null;
  const result = {
    frame: frame.name,
    width: frame.width,
    height: frame.height,
    grid: `${frame.grid}x${frame.grid}`,
    tiles: tiles.length,
    tileBytes,
    runs: frame.runs,
    tessera: {
      wallMsMedian: tesseraWall,
      stitchCallMsMedian: tesseraStitch,
      cpuSMedian: medianOrNull(tessera.map((r) => r.cpuS)),
      stitchCallCpuSMedian: median(tessera.map((r) => r.stitchCpuMs / 1000)),
      peakRssMiB: Math.max(...tessera.map((r) => mib(r.maxRssKiB))),
      outputBytes: statSync(tesseraOut).size,
      pixels: await samePixels(tesseraOut, frame, source),
      runs: tessera,
    },
    imagemagick: magick.command
      ? {
          wallMsMedian: imWall,
          cpuSMedian: medianOrNull(im.map((r) => r.cpuS)),
          peakRssMiB: im.some((r) => r.maxRssKiB == null) ? null : Math.max(...im.map((r) => mib(r.maxRssKiB))),
          outputBytes: statSync(magickOut).size,
          pixels: await samePixels(magickOut, frame, source),
          runs: im,
        }
      : { missing: magick.missing },
    ratioWall: imWall == null ? null : imWall / tesseraWall,
    ratioStitchCall: imWall == null ? null : imWall / tesseraStitch,
  };
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const medianOrNull = (values) => (values.some((v) => v == null) ? null : median(values));
const cpuWithCores = (cpuS, wallMs) => (cpuS == null || wallMs == null ? 'n/a' : `${fixed(cpuS, 2)} s (${fixed(cpuS / (wallMs / 1000), 2)})`);

function rowsOf(r) {
  const ms = (v) => (v == null ? 'n/a' : `${fixed(v / 1000, 2)} s`);
  const im = r.imagemagick;
  const rows = [
    {
      metric: `${r.frame} wall (${r.grid} tiles, median of ${r.runs})`,
      value: ms(r.tessera.wallMsMedian),
      baseline: `ImageMagick ${ms(im.wallMsMedian)}`,
      ratio: r.ratioWall == null ? 'n/a' : `${fixed(r.ratioWall)}x`,
      target: `>= ${TARGET_RATIO}x`,
      met: r.ratioWall == null ? 'n/a' : r.ratioWall >= TARGET_RATIO ? 'met' : 'NOT MET',
    },
    {
      metric: `${r.frame} stitch() call only (no node start-up, no file I/O)`,
      value: ms(r.tessera.stitchCallMsMedian),
      baseline: `ImageMagick ${ms(im.wallMsMedian)}`,
      ratio: r.ratioStitchCall == null ? 'n/a' : `${fixed(r.ratioStitchCall)}x`,
      target: 'info',
      met: '',
    },
    {
      // Cores kept busy = CPU seconds / wall seconds: on a 2-core machine, near 2 means no core is left to add.
      metric: `${r.frame} CPU seconds, whole process (cores busy)`,
      value: cpuWithCores(r.tessera.cpuSMedian, r.tessera.wallMsMedian),
      baseline: `ImageMagick ${cpuWithCores(im.cpuSMedian, im.wallMsMedian)}`,
      ratio: im.cpuSMedian == null || r.tessera.cpuSMedian == null ? 'n/a' : `${fixed(im.cpuSMedian / r.tessera.cpuSMedian)}x`,
      target: 'info',
      met: '',
    },
    {
      metric: `${r.frame} stitch() call CPU seconds (cores busy)`,
      value: cpuWithCores(r.tessera.stitchCallCpuSMedian, r.tessera.stitchCallMsMedian),
      baseline: '',
      ratio: '',
      target: 'info',
      met: '',
    },
    {
      metric: `${r.frame} peak RSS`,
      value: `${fixed(r.tessera.peakRssMiB, 0)} MiB`,
      baseline: `ImageMagick ${im.peakRssMiB == null ? 'n/a' : `${fixed(im.peakRssMiB, 0)} MiB`}`,
      ratio: im.peakRssMiB == null ? 'n/a' : `${fixed(r.tessera.peakRssMiB / im.peakRssMiB)}x`,
      target: r.frame === '8K' ? `< ${TARGET_RSS_8K_MIB} MiB` : 'info',
      met: r.frame === '8K' ? (r.tessera.peakRssMiB < TARGET_RSS_8K_MIB ? 'met' : 'NOT MET') : '',
    },
    {
      metric: `${r.frame} output PNG size (tiles: ${fixed(r.tileBytes / 2 ** 20, 1)} MiB)`,
      value: `${fixed(r.tessera.outputBytes / 2 ** 20, 1)} MiB`,
      baseline: `ImageMagick ${im.outputBytes == null ? 'n/a' : `${fixed(im.outputBytes / 2 ** 20, 1)} MiB`}`,
      ratio: im.outputBytes == null ? 'n/a' : `${fixed(r.tessera.outputBytes / im.outputBytes)}x`,
      target: 'info',
      met: '',
    },
    {
      metric: `${r.frame} output pixels = source`,
      value: r.tessera.pixels,
      baseline: `ImageMagick ${im.pixels ?? 'n/a'}`,
      ratio: '',
      target: 'identical',
      met: r.tessera.pixels === 'identical' ? 'met' : 'NOT MET',
    },
  ];
  return rows;
}

async function run({ log }) {
  const magick = findImageMagick(log);
  if (magick.missing) log(`stitch: no ImageMagick baseline: ${magick.missing}`);
  else log(`stitch: baseline ${magick.command} (${magick.version})`);
  const frames = [];
  for (const frame of FRAMES) {
    const dir = mkdtempSync(join(tmpdir(), `tessera-bench-stitch-${frame.name}-`));
    try {
      frames.push(await benchFrame(frame, dir, magick, log));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    rows: frames.flatMap(rowsOf),
    json: { imagemagick: magick, targets: { ratio: TARGET_RATIO, peakRss8KMiB: TARGET_RSS_8K_MIB }, frames },
  };
}

module.exports = { name: 'stitch', run };

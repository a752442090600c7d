'use strict';
// Finds a real ImageMagick (a `convert` on PATH may be a stand-in), installing it with apt-get when
// missing and we are root: the stitch suite's baseline.
const { spawnSync } = require('node:child_process');

const CANDIDATES = [
  ['magick', []], // ImageMagick 7
  ['/usr/bin/convert', []], // Debian/Ubuntu ImageMagick 6
  ['convert', []],
];

function version(command) {
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  const line = String(result.stdout).split('\n')[0];
  return /ImageMagick/.test(line) ? line.replace(/^Version:\s*/, '').trim() : null;
}

function detect() {
  for (const [command] of CANDIDATES) {
    const found = version(command);
    if (found) return { command, version: found };
  }
  return null;
}

/** Returns { command, version } of a real ImageMagick, or { missing: reason } when none can be had. */
function findImageMagick(log = console.log) {
  const found = detect();
  if (found) return found;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { missing: 'ImageMagick is not installed and we are not root: apt-get install imagemagick' };
  }
  log('bench: ImageMagick missing; installing it with apt-get (a minute or two)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'imagemagick']]) {
    const result = spawnSync('apt-get', args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
    if (result.error || result.status !== 0) {
      return { missing: `apt-get ${args[0]} failed: ${String(result.stderr || result.error).trim().slice(-500)}` };
    }
  }
  return detect() ?? { missing: 'apt-get installed imagemagick but no convert/magick answers -version' };
}

module.exports = { findImageMagick };

'use strict';
// A throwaway PostgreSQL server for the bench, started the way libs/testing/src/postgres.harness.ts does
// (that harness is not built into dist): newest /usr/lib/postgresql/N/bin (or $PG_BIN_DIR), a temp data
// dir, trust auth, a free loopback port, fsync off. Under root, initdb and the server run as `postgres`.
// Returns null (with the reason) when no server binaries are installed.
const { execFileSync, spawn } = require('node:child_process');
const { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { freePort } = require('../../dist/node_modules/@tessera/storage');

const HOST = '127.0.0.1';

function findBin() {
  if (process.env.PG_BIN_DIR) return existsSync(join(process.env.PG_BIN_DIR, 'initdb')) ? process.env.PG_BIN_DIR : null;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  const bins = versions
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'))
    .filter((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  return bins[0] ?? null;
}

async function startPostgres() {
  const bin = findBin();
  if (!bin) return { skipped: 'no PostgreSQL server binaries (apt-get install postgresql, or PG_BIN_DIR)' };
  let owner;
  if (process.getuid?.() === 0) {
    try {
      owner = {
        uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
        gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
      };
    } catch {
      return { skipped: 'running as root and there is no `postgres` OS user for initdb' };
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  mkdirSync(socketDir);
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(socketDir, owner.uid, owner.gid);
  }
  const asOwner = { cwd: dir, ...(owner ?? {}) };
  execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], { ...asOwner, stdio: 'ignore' });
  const port = await freePort(HOST);
  const settings = [`listen_addresses=${HOST}`, 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'];
  const child = spawn(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-k', socketDir, ...settings.flatMap((s) => ['-c', s])], {
    ...asOwner,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('postgres not ready in 60 s')), 60_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (/database system is ready to accept connections/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    child.once('exit', (code) => reject(new Error(`postgres exited (${code})`)));
  });
  execFileSync(join(bin, 'createdb'), ['-h', HOST, '-p', String(port), '-U', 'postgres', 'tessera']);
  const version = execFileSync(join(bin, 'postgres'), ['--version']).toString().trim();
  return {
    url: `postgres://postgres@${HOST}:${port}/tessera`,
    version,
    /** The postmaster; its backends are its children. */
    pid: child.pid,
    async stop() {
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startPostgres };

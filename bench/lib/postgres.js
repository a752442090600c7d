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

/**
 * `statements: true` loads pg_stat_statements (planning time included), and the returned `topStatements(n)`
 * lists where the server's time went, by statement: the database side of a profile.
 */
async function startPostgres({ statements = false } = {}) {
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
  if (statements) settings.push('shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_planning=on', 'pg_stat_statements.max=1000');
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
  const url = `postgres://postgres@${HOST}:${port}/tessera`;
  const query = async (sql) => {
    const { Client } = require('pg');
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  if (statements) await query('CREATE EXTENSION pg_stat_statements');
  const version = execFileSync(join(bin, 'postgres'), ['--version']).toString().trim();
  return {
    url,
    version,
    /** The statements that took the most server time (planning + execution), since `resetStatements`. */
    async topStatements(count = 12) {
      return query(
        `SELECT calls, round((total_plan_time + total_exec_time)::numeric, 0) AS total_ms, round(total_plan_time::numeric, 0) AS plan_ms,
                round(((total_plan_time + total_exec_time) / NULLIF(calls, 0))::numeric, 3) AS mean_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 300) AS query
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'tessera')
          ORDER BY total_plan_time + total_exec_time DESC LIMIT ${Number(count)}`,
      );
    },
    resetStatements: () => query('SELECT pg_stat_statements_reset()'),
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

import { existsSync } from 'node:fs';
import { Client } from 'pg';
import {
  PostgresNotInstalledError,
  findPostgresBinDir,
  startPostgres,
  type PostgresHarness,
} from '@tessera/testing';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  let pg: PostgresHarness;

  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);

  afterAll(async () => {
    await pg?.stop();
  });

  it('answers queries over TCP on loopback, without a password', async () => {
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/tessera`);
    expect(await query<{ one: number }>(pg.url, 'select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('runs with durability off (a throwaway server)', async () => {
    expect(await query(pg.url, 'show fsync')).toEqual([{ fsync: 'off' }]);
  });

  it('creates further empty databases on the same server', async () => {
    const url = await pg.createDatabase('second_db');
    await query(url, 'create table t (id int primary key)');
    expect(await query(url, 'select count(*)::int as n from t')).toEqual([{ n: 0 }]);
    expect(await query(pg.url, "select to_regclass('t') as t")).toEqual([{ t: null }]);
  });

  it('stops the server and deletes its files, and a second stop is harmless', async () => {
    const other = await startPostgres({ database: 'short_lived' });
    expect(existsSync(other.dataDir)).toBe(true);

    await other.stop();
    await other.stop();

    expect(existsSync(other.dataDir)).toBe(false);
    await expect(query(other.url, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);

  it('says how to install PostgreSQL when the binaries are missing', async () => {
    await expect(findPostgresBinDir({ PG_BIN_DIR: '/nonexistent' })).rejects.toBeInstanceOf(
      PostgresNotInstalledError,
    );
    await expect(findPostgresBinDir({ PG_BIN_DIR: '/nonexistent' })).rejects.toThrow(
      /apt-get install postgresql/,
    );
  });
});

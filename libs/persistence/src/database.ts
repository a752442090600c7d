import { DataSource, EntityManager } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Reads DATABASE_URL: a postgres:// URL for PostgreSQL, otherwise the embedded SQLite file. */
export function databaseConfigFrom(url: string | undefined, defaultSqlitePath: string): DatabaseConfig {
  if (!url) return { kind: 'sqlite', path: defaultSqlitePath };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', path: url.slice('sqlite:'.length) };
  throw new Error(`DATABASE_URL must be postgres://... or sqlite:<path>, got "${url}"`);
}

/**
 * The one handle on the database. Every write goes through `transaction()`.
 *
 * SQLite (better-sqlite3) has a single connection per process, and TypeORM turns a transaction started
 * while another is open into a SAVEPOINT of the first: two concurrent async transactions would commit or
 * roll back each other's work. So on SQLite transactions run one after another through a promise chain,
 * and each starts with BEGIN IMMEDIATE: the api and the coordinator are separate processes on one file,
 * and a deferred transaction that reads and then writes can fail at once with SQLITE_BUSY when the other
 * process wrote in between; IMMEDIATE takes the write lock up front and waits (busy_timeout) instead.
 * Inside a transaction use insert/update/increment, never save(): save() opens a transaction of its own.
 * PostgreSQL gets a pooled connection per transaction and row locks.
 */
export class Database {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataSource: DataSource,
    readonly kind: DatabaseConfig['kind'],
  ) {}

  static async open(config: DatabaseConfig): Promise<Database> {
    const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: false, synchronize: false, logging: false } as const;
    const dataSource =
      config.kind === 'postgres'
        ? new DataSource({ ...common, type: 'postgres', url: config.url, extra: { max: 10 } })
        : new DataSource({
            ...common,
            type: 'better-sqlite3',
            database: config.path,
            enableWAL: true,
            prepareDatabase: (db: { pragma(sql: string): unknown }) => {
              db.pragma('busy_timeout = 5000');
              db.pragma('synchronous = NORMAL');
            },
          });
    await dataSource.initialize();
    await migrate(dataSource, config.kind);
    return new Database(dataSource, config.kind);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }


  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return this.dataSource.transaction('READ COMMITTED', work);
    const run = this.queue.then(() => this.sqliteTransaction(work));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sqliteTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.query('BEGIN IMMEDIATE');
    try {
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      await runner.query('ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Whether a transaction runs on PostgreSQL, where rows read before a write must be locked (SQLite runs one at a time). */
export const isPostgres = (manager: EntityManager): boolean => manager.connection.options.type === 'postgres';

/** Find options that lock the rows read until the transaction ends, on PostgreSQL (`SELECT ... FOR UPDATE`). */
export const forUpdate = (manager: EntityManager): { lock?: { mode: 'pessimistic_write' } } =>
  isPostgres(manager) ? { lock: { mode: 'pessimistic_write' } } : {};

/** Any fixed number: the advisory lock that lets one process at a time migrate a PostgreSQL database. */
const MIGRATION_LOCK = 7_340_211;

/**
 * Runs pending migrations. Several coordinators may start at once against one PostgreSQL: an advisory
 * lock makes the others wait, then find nothing left to do. (On SQLite the api and coordinator of
 * `tessera up` start one after the other.)
 */
async function migrate(dataSource: DataSource, kind: DatabaseConfig['kind']): Promise<void> {
  if (kind !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'all' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}

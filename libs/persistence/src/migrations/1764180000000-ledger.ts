import { MigrationInterface, QueryRunner, Table, TableCheck, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

// The credit ledger (docs/credits.md): accounts, append-only transactions and their entries, one escrow
// record per job. Table API where it serves both databases; the append-only triggers differ per dialect.

const APPEND_ONLY = ['ledger_transactions', 'ledger_entries', 'ledger_escrows'];
const ROLES = "'artist', 'studio', 'operator', 'admin', 'system'";
const KINDS = "'credit', 'escrow', 'tile_payment', 'verification_payment', 'forfeit', 'release', 'refund', 'correction'";
const POCKETS = "'available', 'escrow', 'allowance', 'pending'";
/** The platform's own accounts; createdAt is this migration's timestamp. */
const SYSTEM_ACCOUNTS = [
  { id: 'system:mint', name: 'Mint: where admin credits come from' },
  { id: 'system:fees', name: 'Platform fees' },
];
const CREATED = 1764180000000;

const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const bigint = (name: string): TableColumnOptions => ({ name, type: 'bigint' });
const toAccount = (column: string) => new TableForeignKey({ columnNames: [column], referencedTableName: 'accounts', referencedColumnNames: ['id'] });

export class Ledger1764180000000 implements MigrationInterface {
  name = 'Ledger1764180000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.createTable(
      new Table({
        name: 'accounts',
        columns: [{ ...varchar('id', 64), isPrimary: true }, varchar('name', 255), varchar('role', 16), bigint('createdAt')],
        checks: [new TableCheck({ name: 'CHK_accounts_role', expression: `role IN (${ROLES})` })],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'ledger_transactions',
        columns: [
          { ...varchar('id', 36), isPrimary: true }, varchar('kind', 24), varchar('jobId', 36, true), varchar('tileId', 36, true),
          varchar('attemptId', 36, true), varchar('operatorId', 64, true), varchar('reversesId', 36, true), { name: 'memo', type: 'text' }, bigint('createdAt'),
        ],
        checks: [new TableCheck({ name: 'CHK_ledger_tx_kind', expression: `kind IN (${KINDS})` })],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['reversesId'], referencedTableName: 'ledger_transactions', referencedColumnNames: ['id'] }),
          toAccount('operatorId'),
        ],
        indices: [
          new TableIndex({ name: 'IDX_ledger_tx_job_kind', columnNames: ['jobId', 'kind'] }),
          new TableIndex({ name: 'IDX_ledger_tx_job_operator', columnNames: ['jobId', 'operatorId'] }),
          new TableIndex({ name: 'IDX_ledger_tx_tile', columnNames: ['tileId'] }),
          // The ledger's own guards against paying twice (see LedgerTransactionEntity).
          new TableIndex({ name: 'UQ_ledger_tx_paid_attempt', columnNames: ['attemptId'], isUnique: true, where: "kind IN ('tile_payment', 'verification_payment')" }),
          new TableIndex({ name: 'UQ_ledger_tx_reverses', columnNames: ['reversesId'], isUnique: true }),
          new TableIndex({ name: 'UQ_ledger_tx_refund', columnNames: ['jobId'], isUnique: true, where: "kind = 'refund'" }),
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'ledger_entries',
        columns: [
          // SQLite allows AUTOINCREMENT only on INTEGER (a 64-bit integer there); PostgreSQL gets BIGSERIAL.
          { name: 'id', type: postgres ? 'bigint' : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          varchar('transactionId', 36), varchar('accountId', 64), varchar('pocket', 16), varchar('jobId', 36, true),
          bigint('amount'), bigint('createdAt'),
        ],
        checks: [
          new TableCheck({ name: 'CHK_ledger_entries_pocket', expression: `pocket IN (${POCKETS})` }),
          new TableCheck({
            name: 'CHK_ledger_entries_job',
            expression: `(pocket = 'available' AND "jobId" IS NULL) OR (pocket <> 'available' AND "jobId" IS NOT NULL)`,
          }),
          new TableCheck({ name: 'CHK_ledger_entries_amount', expression: 'amount <> 0' }),
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['transactionId'], referencedTableName: 'ledger_transactions', referencedColumnNames: ['id'] }),
          toAccount('accountId'),
        ],
        indices: [
          new TableIndex({ name: 'IDX_ledger_entries_account', columnNames: ['accountId', 'pocket'] }),
          new TableIndex({ name: 'IDX_ledger_entries_job', columnNames: ['jobId', 'pocket'] }),
          new TableIndex({ name: 'IDX_ledger_entries_tx', columnNames: ['transactionId'] }),
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'ledger_escrows',
        columns: [
          { ...varchar('jobId', 36), isPrimary: true }, varchar('artistId', 64), varchar('transactionId', 36),
          bigint('tilesPrice'), bigint('allowance'), bigint('createdAt'),
        ],
        foreignKeys: [
          toAccount('artistId'),
          new TableForeignKey({ columnNames: ['transactionId'], referencedTableName: 'ledger_transactions', referencedColumnNames: ['id'] }),
        ],
      }),
    );
    for (const account of SYSTEM_ACCOUNTS) {
      await runner.manager.insert('accounts', { ...account, role: 'system', createdAt: CREATED });
    }
    for (const table of APPEND_ONLY) await appendOnly(runner, table, postgres);
  }

  async down(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    for (const table of APPEND_ONLY) {
      if (postgres) await runner.query(`DROP TRIGGER IF EXISTS ${table}_append_only ON ${table}`);
      else for (const op of ['update', 'delete']) await runner.query(`DROP TRIGGER IF EXISTS ${table}_no_${op}`);
    }
    if (postgres) await runner.query('DROP FUNCTION IF EXISTS ledger_append_only()');
    for (const table of ['ledger_escrows', 'ledger_entries', 'ledger_transactions', 'accounts']) await runner.dropTable(table);
  }
}

/**
 * The ledger is append-only by construction (no code path updates or deletes it); the database says so
 * too, so that a stray UPDATE from a script or a future bug fails loudly instead of rewriting history.
 */
async function appendOnly(runner: QueryRunner, table: string, postgres: boolean): Promise<void> {
  if (postgres) {
    await runner.query(
      `CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% is append-only: correct it with a new transaction', TG_TABLE_NAME; END $$`,
    );
    await runner.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
    return;
  }
  for (const op of ['update', 'delete']) {
    await runner.query(
      `CREATE TRIGGER ${table}_no_${op} BEFORE ${op.toUpperCase()} ON ${table}
       BEGIN SELECT RAISE(ABORT, '${table} is append-only: correct it with a new transaction'); END`,
    );
  }
}

import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const bigint = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const toAccount = (column: string) => new TableForeignKey({ columnNames: [column], referencedTableName: 'accounts', referencedColumnNames: ['id'] });

/**
 * Accounts own things: API keys, scenes (through scene_owners, since a scene is stored once per content
 * hash), jobs, and worker identities. Idempotency keys become per account, so one studio's key can never
 * return, or collide with, another's job.
 */
export class AccountsAndKeys1764187200000 implements MigrationInterface {
  name = 'AccountsAndKeys1764187200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          { ...varchar('id', 12), isPrimary: true }, varchar('accountId', 64), varchar('name', 128), { name: 'scopes', type: 'text' },
          varchar('secretHash', 64), bigint('createdAt'), bigint('revokedAt', true),
        ],
        foreignKeys: [toAccount('accountId')],
        indices: [new TableIndex({ name: 'IDX_api_keys_account', columnNames: ['accountId'] })],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'scene_owners',
        columns: [{ ...varchar('sceneId', 64), isPrimary: true }, { ...varchar('accountId', 64), isPrimary: true }, varchar('name', 255), bigint('createdAt')],
        foreignKeys: [
          toAccount('accountId'),
          new TableForeignKey({ columnNames: ['sceneId'], referencedTableName: 'scenes', referencedColumnNames: ['id'] }),
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'worker_identities',
        columns: [
          { ...varchar('publicKey', 56), isPrimary: true }, varchar('operatorId', 64), varchar('workerId', 64), varchar('name', 128), bigint('createdAt'),
          bigint('revokedAt', true), { name: 'revokedReason', type: 'text', isNullable: true },
        ],
        foreignKeys: [toAccount('operatorId')],
        indices: [new TableIndex({ name: 'IDX_worker_identities_operator', columnNames: ['operatorId'] })],
      }),
    );
    await runner.addColumns('jobs', [
      new TableColumn(varchar('accountId', 64, true)),
      // Jobs from before pricing cost nothing: they were never charged.
      new TableColumn({ ...bigint('ratePerMegasample'), default: 0 }),
      new TableColumn({ name: 'feeBasisPoints', type: 'int', default: 0 }),
    ]);
    await runner.createForeignKey('jobs', toAccount('accountId'));
    const jobs = await runner.getTable('jobs');
    const global = jobs?.indices.find((index) => index.isUnique && index.columnNames.join() === 'idempotencyKey');
    if (global) await runner.dropIndex('jobs', global);
    await runner.createIndex('jobs', new TableIndex({ name: 'UQ_jobs_account_idempotency', columnNames: ['accountId', 'idempotencyKey'], isUnique: true }));
    await runner.createIndex('jobs', new TableIndex({ name: 'IDX_jobs_account_created', columnNames: ['accountId', 'createdAt'] }));
    await runner.addColumn('workers', new TableColumn(varchar('operatorId', 64, true)));
    await runner.createForeignKey('workers', toAccount('operatorId'));
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const [table, column] of [['workers', 'operatorId'], ['jobs', 'accountId']]) {
      const found = (await runner.getTable(table))?.foreignKeys.find((fk) => fk.columnNames.join() === column);
      if (found) await runner.dropForeignKey(table, found);
    }
    await runner.dropColumn('workers', 'operatorId');
    await runner.dropIndex('jobs', 'IDX_jobs_account_created');
    await runner.dropIndex('jobs', 'UQ_jobs_account_idempotency');
    await runner.dropColumns('jobs', ['accountId', 'ratePerMegasample', 'feeBasisPoints']);
    await runner.createIndex('jobs', new TableIndex({ columnNames: ['idempotencyKey'], isUnique: true }));
    for (const table of ['worker_identities', 'scene_owners', 'api_keys']) await runner.dropTable(table);
  }
}

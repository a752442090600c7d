import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Workers sign their results: the key a worker registered with is kept on its row, and every result the
 * coordinator refuses (unsigned, mis-signed, replayed, duplicated, for another worker's lease) is recorded.
 */
export class SignedResults1764201600000 implements MigrationInterface {
  name = 'SignedResults1764201600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn('workers', new TableColumn({ name: 'publicKey', type: 'varchar', length: '56', isNullable: true }));
    await runner.createTable(
      new Table({
        name: 'rejected_results',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'workerId', type: 'varchar', length: '64' },
          { name: 'leaseId', type: 'varchar', length: '36', isNullable: true },
          { name: 'subject', type: 'varchar', length: '255' },
          { name: 'reason', type: 'varchar', length: '32' },
          { name: 'detail', type: 'text' },
          { name: 'receivedAt', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'IDX_rejected_results_worker', columnNames: ['workerId', 'receivedAt'] }),
          new TableIndex({ name: 'IDX_rejected_results_lease', columnNames: ['leaseId'] }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('rejected_results');
    await runner.dropColumn('workers', 'publicKey');
  }
}

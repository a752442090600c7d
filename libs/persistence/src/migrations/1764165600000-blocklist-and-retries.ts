import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

export class BlocklistAndRetries1764165600000 implements MigrationInterface {
  name = 'BlocklistAndRetries1764165600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'job_blocklist',
        columns: [
          { name: 'jobId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'workerId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'reason', type: 'text' },
          { name: 'createdAt', type: 'bigint' },
        ],
      }),
    );
    await runner.addColumns('tiles', [
      new TableColumn({ name: 'lastFailedWorkerId', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'lastFailedAt', type: 'bigint', isNullable: true }),
    ]);
    await runner.createIndex('attempts', new TableIndex({ columnNames: ['jobId', 'workerId', 'state'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumns('tiles', ['lastFailedWorkerId', 'lastFailedAt']);
    await runner.dropTable('job_blocklist');
  }
}

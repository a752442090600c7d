import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

export class BackupLeases1764172800000 implements MigrationInterface {
  name = 'BackupLeases1764172800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns('tiles', [
      new TableColumn({ name: 'backupLeaseId', type: 'varchar', length: '36', isNullable: true }),
      new TableColumn({ name: 'backupRequestedAt', type: 'bigint', isNullable: true }),
    ]);
    // Expiry looks for active attempts past their deadline.
    await runner.createIndex('attempts', new TableIndex({ name: 'IDX_attempts_state_expires', columnNames: ['state', 'expiresAt'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('attempts', 'IDX_attempts_state_expires');
    await runner.dropColumns('tiles', ['backupLeaseId', 'backupRequestedAt']);
  }
}

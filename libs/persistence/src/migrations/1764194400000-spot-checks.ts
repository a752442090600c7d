import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const bigint = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string): TableColumnOptions => ({ name, type: 'int' });

/**
 * Spot-checks (docs/verification.md): check and arbitration regions are tiles with a purpose, leased like any
 * tile; `checks` records each check and its verdict; `tile_exclusions` keeps a check away from the worker and
 * the operator it checks; `worker_reputations` holds the streaks the check rate follows; workers caught
 * cheating are flagged for an admin.
 */
export class SpotChecks1764194400000 implements MigrationInterface {
  name = 'SpotChecks1764194400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns('tiles', [
      new TableColumn({ ...varchar('purpose', 12), default: "'render'" }),
      new TableColumn(varchar('checkId', 36, true)),
      new TableColumn(varchar('requiredVersion', 128, true)),
      new TableColumn(bigint('verifiedAt', true)),
    ]);
    await runner.createIndex('tiles', new TableIndex({ name: 'IDX_tiles_check', columnNames: ['checkId'] }));
    await runner.addColumns('workers', [new TableColumn(bigint('flaggedAt', true)), new TableColumn({ name: 'flagReason', type: 'text', isNullable: true })]);
    await runner.createTable(
      new Table({
        name: 'checks',
        columns: [
          { ...varchar('id', 36), isPrimary: true }, varchar('jobId', 36), varchar('tileId', 36), varchar('frameId', 36),
          varchar('subjectLeaseId', 36), varchar('subjectWorkerId', 64), varchar('kind', 16), varchar('stage', 16), varchar('state', 16),
          varchar('checkerWorkerId', 64, true), varchar('arbiterWorkerId', 64, true), bigint('createdAt'), bigint('resolvedAt', true),
          { name: 'note', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'IDX_checks_job_state', columnNames: ['jobId', 'state'] }),
          new TableIndex({ name: 'IDX_checks_frame_state', columnNames: ['frameId', 'state'] }),
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'tile_exclusions',
        columns: [{ ...varchar('tileId', 36), isPrimary: true }, { ...varchar('excluded', 80), isPrimary: true }, varchar('jobId', 36), bigint('until', true)],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'worker_reputations',
        columns: [
          { ...varchar('workerId', 64), isPrimary: true }, { ...varchar('rendererVersion', 128), isPrimary: true }, { ...varchar('deviceClass', 200), isPrimary: true },
          int('consecutiveValid'), int('validResults'), int('invalidResults'), int('checksRun'), bigint('updatedAt'),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['worker_reputations', 'tile_exclusions', 'checks']) await runner.dropTable(table);
    await runner.dropColumns('workers', ['flaggedAt', 'flagReason']);
    await runner.dropIndex('tiles', 'IDX_tiles_check');
    await runner.dropColumns('tiles', ['purpose', 'checkId', 'requiredVersion', 'verifiedAt']);
  }
}

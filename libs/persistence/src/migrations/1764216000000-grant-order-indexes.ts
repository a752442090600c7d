import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * A work request reads a job's pending tiles in grant order and stops at the few it leases: with an index in
 * that order it reads those rows only, where it sorted every pending tile of the job before (a 20,000-tile
 * job paid for that on every request). Check regions, few at any time, are found by their purpose.
 */
export class GrantOrderIndexes1764216000000 implements MigrationInterface {
  name = 'GrantOrderIndexes1764216000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createIndex('tiles', new TableIndex({ name: 'IDX_tiles_grant_order', columnNames: ['jobId', 'state', 'purpose', 'frame', 'index'] }));
    await runner.createIndex('tiles', new TableIndex({ name: 'IDX_tiles_state_purpose', columnNames: ['state', 'purpose'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('tiles', 'IDX_tiles_state_purpose');
    await runner.dropIndex('tiles', 'IDX_tiles_grant_order');
  }
}

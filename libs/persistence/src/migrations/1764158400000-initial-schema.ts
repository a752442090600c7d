import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

// Written with TypeORM's Table API rather than SQL so one migration serves SQLite and PostgreSQL alike.
const id = (name = 'id', length = 36): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isPrimary: true });
const text = (name: string, length = 255, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const int = (name: string): TableColumnOptions => ({ name, type: 'int' });
const bigint = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const longText = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class InitialSchema1764158400000 implements MigrationInterface {
  name = 'InitialSchema1764158400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'scenes',
        columns: [id('id', 64), text('renderer', 16), bigint('size'), text('name'), text('storageKey'), longText('info', false), bigint('createdAt')],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'jobs',
        columns: [
          id(), text('sceneId', 64), text('renderer', 16), longText('frames', false),
          int('width'), int('height'), int('samples'), bigint('seed'), int('tileCols'), int('tileRows'),
          int('bitDepth'), int('priority'), int('maxAttempts'), text('state', 16),
          text('idempotencyKey', 255, true), text('requestHash', 64, true), longText('error'),
          bigint('createdAt'), bigint('startedAt', true), bigint('finishedAt', true),
        ],
        indices: [
          new TableIndex({ columnNames: ['state'] }),
          new TableIndex({ columnNames: ['idempotencyKey'], isUnique: true }),
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'frames',
        columns: [
          id(), text('jobId', 36), int('frame'), text('state', 16), int('tilesTotal'), int('tilesAccepted'),
          text('outputKey', 255, true), text('thumbnailKey', 255, true), bigint('stitchStartedAt', true), bigint('stitchedAt', true),
        ],
        indices: [new TableIndex({ columnNames: ['jobId', 'frame'], isUnique: true })],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'tiles',
        columns: [
          id(), text('jobId', 36), text('frameId', 36), int('frame'), int('index'),
          int('x'), int('y'), int('width'), int('height'), text('state', 16), int('attempts'), int('failures'),
          text('leaseId', 36, true), bigint('leaseExpiresAt', true), text('outputKey', 255, true),
          text('pixelSha256', 64, true), longText('error'),
        ],
        indices: [
          new TableIndex({ columnNames: ['state', 'jobId'] }),
          new TableIndex({ columnNames: ['frameId'] }),
          new TableIndex({ columnNames: ['leaseExpiresAt'] }),
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'attempts',
        columns: [
          id(), text('tileId', 36), text('jobId', 36), text('workerId', 64), int('number'), text('state', 16),
          text('outputKey'), bigint('grantedAt'), bigint('expiresAt'), bigint('finishedAt', true),
          text('pixelSha256', 64, true), { name: 'renderSeconds', type: 'double precision', isNullable: true },
          text('device', 200, true), text('rendererVersion', 128, true), longText('error'),
        ],
        indices: [new TableIndex({ columnNames: ['tileId'] }), new TableIndex({ columnNames: ['workerId', 'state'] })],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'workers',
        columns: [id('id', 64), text('name', 128), longText('capabilities', false), bigint('registeredAt'), bigint('lastSeenAt')],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['workers', 'attempts', 'tiles', 'frames', 'jobs', 'scenes']) await runner.dropTable(table);
  }
}

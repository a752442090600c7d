import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** A job may ask for a range of renderer versions (`>=3.4`): only workers with such a build take its tiles. */
export class RendererVersionRange1764208800000 implements MigrationInterface {
  name = 'RendererVersionRange1764208800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn('jobs', new TableColumn({ name: 'rendererVersion', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('jobs', 'rendererVersion');
  }
}

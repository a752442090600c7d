/*
 * Harnesses that start real services for integration and end-to-end tests. Never imported by
 * production code (tsconfig.build.json leaves this lib out of the build).
 *
 * Every start* function returns an object with an idempotent stop(). Start in beforeAll, stop in
 * afterAll with optional chaining (`await nats?.stop()`), so a failed start does not hide its own
 * error behind a TypeError. Anything still running when the Jest worker exits is stopped and its
 * temp dir removed by an exit hook, but only a normal exit runs it.
 */
export { tempDir, tempDirSync, type TempDir } from './temp-dir';
export { onProcessExit } from './exit-cleanup';
export { startS3, type S3Harness, type StartS3Options } from './s3.harness';
export { startNats, type NatsHarness, type StartNatsOptions } from './nats.harness';
export {
  PostgresNotInstalledError,
  findPostgresBinDir,
  startPostgres,
  type PostgresHarness,
  type StartPostgresOptions,
} from './postgres.harness';

/*
 * Harnesses that start real services for integration and end-to-end tests. Never imported by
 * production code (tsconfig.build.json leaves this lib out of the build).
 *
 * Every start* function returns an object with an idempotent stop() that also deletes the service's
 * temp dir. Start in beforeAll and stop in afterAll, which Jest runs even when tests or beforeAll
 * fail; use optional chaining (`await nats?.stop()`) so that a failed start is reported as itself,
 * not as a TypeError in afterAll:
 *
 *   let nats: NatsHarness;
 *   beforeAll(async () => { nats = await startNats(); });
 *   afterAll(async () => { await nats?.stop(); });
 *
 * nats-server and postgres run as child processes tied to the test process by a parent-death
 * signal (Linux, setpriv): a crashed or killed Jest worker does not leave them running. Their temp
 * dirs, though, are only removed by stop(). A harness left running keeps Jest from exiting
 * ("Jest did not exit one second after the test run has completed"): that message means a missing stop().
 */
export { tempDir, tempDirSync, type TempDir } from './temp-dir';
export { startS3, type S3Harness, type StartS3Options } from './s3.harness';
export { startNats, type NatsHarness, type StartNatsOptions } from './nats.harness';
export {
  PostgresNotInstalledError,
  findPostgresBinDir,
  startPostgres,
  type PostgresHarness,
  type StartPostgresOptions,
} from './postgres.harness';

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@tessera/contracts';
import { startApi } from './api.app';

/** `tessera api`: the HTTP API, configured from the environment (docs/operations.md). */
async function main(): Promise<void> {
  const app = await startApi(loadConfig(process.env));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  Logger.log(`api listening on ${await app.getUrl()}`, 'Api');
}

main().catch((error: Error) => {
  console.error(`tessera api: ${error.message}`);
  process.exit(1);
});

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@tessera/contracts';
import { startCoordinator } from './coordinator.app';

/** `tessera coordinator`: one coordinator process, configured from the environment (docs/operations.md). */
async function main(): Promise<void> {
  const app = await startCoordinator(loadConfig(process.env));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  Logger.log('coordinator ready', 'Coordinator');
}

main().catch((error: Error) => {
  console.error(`tessera coordinator: ${error.message}`);
  process.exit(1);
});

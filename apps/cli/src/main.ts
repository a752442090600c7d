#!/usr/bin/env node
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { appEntry } from './app-process';
import { accountCommand } from './commands/account.command';
import { demoCommand } from './commands/demo.command';
import { downloadCommand } from './commands/download.command';
import { statusCommand } from './commands/status.command';
import { submitCommand } from './commands/submit.command';
import { upCommand } from './commands/up.command';

/**
 * `tessera api|coordinator|worker` run one app of the farm in its own process (its entry point parses its own
 * flags); the CLI hands over and passes signals on, so SIGTERM reaches the app's graceful shutdown.
 */
function appCommand(app: 'api' | 'coordinator' | 'worker', description: string): Command {
  return new Command(app)
    .description(description)
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(() => {
      const args = process.argv.slice(process.argv.indexOf(app) + 1);
      const child = spawn(process.execPath, [appEntry(app), ...args], { stdio: 'inherit' });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    });
}

const program = new Command('tessera')
  .description('Tessera: a distributed render farm. Scenes in, tiles over NATS, stitched frames out.')
  .addCommand(upCommand())
  .addCommand(appCommand('worker', 'join a farm over NATS and render tiles (tessera worker --help)'))
  .addCommand(appCommand('api', 'run the HTTP API alone, configured from the environment'))
  .addCommand(appCommand('coordinator', 'run a coordinator alone, configured from the environment'))
  .addCommand(submitCommand())
  .addCommand(statusCommand())
  .addCommand(downloadCommand())
  .addCommand(accountCommand())
  .addCommand(demoCommand());

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`tessera: ${error.message}`);
  process.exit(1);
});

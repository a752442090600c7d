import { Command, InvalidArgumentError } from 'commander';
import { defaultFarmOptions, Farm } from '../farm';
import { adminKeyPath } from '../local-accounts';

function count(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
    return n;
  };
}

export function upCommand(): Command {
  const defaults = defaultFarmOptions();
  return new Command('up')
    .description('run a whole farm on this machine: NATS, S3, database, coordinator, API and local workers')
    .option('--workers <n>', 'local workers (default: one per core)', count('--workers', 0), defaults.workers)
    .option('--coordinators <n>', 'coordinators (several need PostgreSQL: DATABASE_URL)', count('--coordinators', 1), defaults.coordinators)
    .option('--slots <n>', 'tiles each local worker renders at once', count('--slots', 1), defaults.workerSlots)
    .option('--port <port>', 'API port (0: any free port)', count('--port', 0), defaults.apiPort)
    .option('--home <dir>', 'data and logs of the embedded services', defaults.home)
    .option('--quiet', "do not echo the processes' logs (they are always in <home>/logs)")
    .addHelpText('after', '\nNATS_URL, DATABASE_URL and S3_ENDPOINT (with S3_* credentials) switch a part to an external service.')
    .action(async (flags: { workers: number; coordinators: number; slots: number; port: number; home: string; quiet?: boolean }) => {
      const farm = new Farm({ ...defaults, home: flags.home, coordinators: flags.coordinators, workers: flags.workers, workerSlots: flags.slots, apiPort: flags.port, echoLogs: !flags.quiet });
      const stop = async () => {
        process.stderr.write('stopping the farm...\n');
        await farm.stop();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const info = await farm.start();
        console.log(`Tessera is up: API ${info.apiUrl} (OpenAPI at ${info.apiUrl}/docs), NATS ${info.natsUrl}, ${flags.workers} worker(s). Ctrl-C stops it.`);
        console.log(`The local admin's API key is in ${adminKeyPath(flags.home)} (mode 0600); the CLI here uses it by default.`);
      } catch (error) {
        await farm.stop();
        throw error;
      }
    });
}

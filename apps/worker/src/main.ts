import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { workerIdSchema } from '@tessera/contracts';
import { ensureIdentityFile, NATS_CONNECTION, readIdentityFile, type NatsConnection } from '@tessera/messaging';
import { WorkerModule } from './worker.module';
import type { WorkerOptions } from './worker.options';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1`);
    return n;
  };
}

/** The worker's identity survives restarts, so results and leases stay attributed to one worker. */
async function persistentWorkerId(cacheDir: string): Promise<string> {
  const file = join(cacheDir, 'worker-id');
  const existing = await readFile(file, 'utf8').then((s) => s.trim(), () => '');
  if (existing) return existing;
  const id = `${hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  await mkdir(cacheDir, { recursive: true });
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

const defaultCacheDir = join(homedir(), '.cache', 'tessera');
/** The identity file lives with the worker's other state unless `--identity` names another place. */
const identityPath = (flags: { identity?: string; cacheDir: string }): string => flags.identity ?? join(flags.cacheDir, 'identity.nk');

/**
 * `tessera worker init`: creates the worker's identity (an Ed25519 NATS NKey seed, mode 0600) and its worker
 * id, unless they exist; never overwrites either. Prints what the operator registers with the farm.
 */
function initCommand(): Command {
  return new Command('init')
    .description('create this worker\'s identity (NKey seed, mode 0600) and id if missing; print the public key to register')
    .option('--identity <path>', 'identity file (default: <cache-dir>/identity.nk)')
    .option('--id <id>', 'worker id to keep (default: generated once and kept in the cache directory)')
    .option('--cache-dir <dir>', 'scene cache and identity', defaultCacheDir)
    .action(async (flags: { identity?: string; id?: string; cacheDir: string }) => {
      const path = identityPath(flags);
      const identity = ensureIdentityFile(path);
      const workerId = flags.id ?? (await persistentWorkerId(flags.cacheDir));
      console.log(`${identity.created ? 'created' : 'kept the existing'} identity ${path}`);
      console.log(`worker id:  ${workerId}`);
      console.log(`public key: ${identity.publicKey}`);
      console.log('Register the public key and worker id with the farm (an operator account) before the worker can take work.');
    });
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('join a Tessera farm over NATS and render tiles (`tessera worker init` first)')
    // `init` has options of the same names (--identity, --cache-dir): those after it are its own.
    .enablePositionalOptions()
    .addCommand(initCommand())
    .option('--nats <url>', 'NATS server URL(s), comma-separated (env NATS_URL)', process.env.NATS_URL)
    .option('--identity <path>', 'identity file from `tessera worker init` (default: <cache-dir>/identity.nk)')
    .option('--id <id>', 'worker id (default: generated once and kept in the cache directory)')
    .option('--name <name>', 'display name', hostname())
    .option('--slots <n>', 'tiles rendered at once', positiveInt('--slots'), 1)
    .option('--cache-dir <dir>', 'scene cache and identity', defaultCacheDir)
    .option('--drain-timeout <ms>', 'on SIGTERM, how long running tiles may finish', positiveInt('--drain-timeout'), 30_000)
    .option('--tile-timeout <s>', 'stop and report a render that runs longer than this', positiveInt('--tile-timeout'), 3600)
    .addOption(new Option('--blender-mode <mode>', 'keep Blender running with the scene loaded, or start it per tile').choices(['warm', 'cold']).default('warm'))
    .addOption(new Option('--blender-device <device>', 'Cycles device').choices(['cpu', 'cuda', 'optix', 'hip']).default('cpu'))
    .option('--idle-poll <ms>', 'wait between work requests when there is none', positiveInt('--idle-poll'), 500)
    .addHelpText('after', `\nThis machine has ${availableParallelism()} cores; run one slot per core for CPU rendering.`)
    .action(async (flags: { nats?: string; identity?: string; id?: string; name: string; slots: number; cacheDir: string; drainTimeout: number; tileTimeout: number; idlePoll: number; blenderMode: 'warm' | 'cold'; blenderDevice: WorkerOptions['blenderDevice'] }) => {
      if (!flags.nats) throw new InvalidArgumentError('--nats <url> (or NATS_URL) is required');
      const path = identityPath(flags);
      if (!existsSync(path)) throw new InvalidArgumentError(`no identity at ${path}: run \`tessera worker init\` first`);
      const identity = readIdentityFile(path);
      const workerId = flags.id ?? (await persistentWorkerId(flags.cacheDir));
      const valid = workerIdSchema.safeParse(workerId);
      if (!valid.success) throw new InvalidArgumentError(`--id ${valid.error.issues[0]?.message}`);
      const options: WorkerOptions = {
        natsUrl: flags.nats,
        workerId,
        identity,
        name: flags.name,
        slots: flags.slots,
        cacheDir: flags.cacheDir,
        drainTimeoutMs: flags.drainTimeout,
        tileTimeoutMs: flags.tileTimeout * 1000,
        blenderMode: flags.blenderMode,
        blenderDevice: flags.blenderDevice,
        idlePollMs: flags.idlePoll,
        requestTimeoutMs: 5000,
      };
      const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(options), { logger: ['log', 'warn', 'error'] });
      app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
      Logger.log(`worker ${workerId} running with key ${identity.publicKey}`, 'Worker');
      // NATS gives up only on an error that retrying cannot fix: the key was revoked. A worker that can no
      // longer talk to the farm stops, instead of rendering tiles it could never report.
      void app.get<NatsConnection>(NATS_CONNECTION).closed().then(async (error) => {
        if (!error) return;
        Logger.error(`NATS closed the connection: ${error.message}; stopping`, 'Worker');
        await app.close();
        process.exit(1);
      });
    });
}

if (require.main === module) {
  workerCommand()
    .parseAsync(['node', 'tessera', ...process.argv.slice(2)])
    .catch((error: Error) => {
      console.error(`tessera worker: ${error.message}`);
      process.exit(1);
    });
}

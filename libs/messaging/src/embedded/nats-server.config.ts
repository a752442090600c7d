import type { SubjectPermissions } from '@tessera/contracts';

/** One NKey user of the embedded nats-server: a trusted service (everything) or a worker (its own subjects). */
export interface NatsUser {
  publicKey: string;
  permissions: SubjectPermissions | 'all';
  /** Shown in the file, for whoever reads it: the service or worker the key belongs to. */
  comment: string;
}

export interface NatsServerConfigOptions {
  /** JetStream's store directory. */
  storeDir: string;
  /** Where the server writes its pid, so that any process of the farm can send it SIGHUP (reload). */
  pidFile: string;
  users: readonly NatsUser[];
}

// nats-server's configuration accepts JSON strings; quoting every value keeps subjects and paths literal.
const q = (value: string): string => JSON.stringify(value);
const list = (values: readonly string[]): string => `[${values.map(q).join(', ')}]`;

/**
 * The embedded nats-server's configuration file: JetStream, the pid file and the NKey users with their
 * permissions. JetStream is enabled here rather than with `-js`: nats-server 2.9 turns JetStream off for the
 * global account when it reloads a configuration file that does not enable it (measured).
 */
export function natsServerConfig(options: NatsServerConfigOptions): string {
  const users = options.users.map((user) => {
    const permissions =
      user.permissions === 'all'
        ? '{ publish: ">", subscribe: ">" }'
        : `{ publish: { allow: ${list(user.permissions.publish)} }, subscribe: { allow: ${list(user.permissions.subscribe)} } }`;
    return `    # ${user.comment.replace(/[\r\n]/g, ' ')}\n    { nkey: ${q(user.publicKey)}, permissions: ${permissions} }`;
  });
  return [
    '# Written by Tessera (tessera up); edits are overwritten when a worker is allowed or revoked.',
    `pid_file: ${q(options.pidFile)}`,
    `jetstream { store_dir: ${q(options.storeDir)} }`,
    'authorization {',
    '  users = [',
    users.join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}

import { workerPermissions } from '@tessera/contracts';
import { natsServerConfig } from './nats-server.config';

describe(natsServerConfig.name, () => {
  it('writes JetStream, the pid file and one NKey user per service and worker, with their permissions', () => {
    const text = natsServerConfig({
      storeDir: '/farm/nats',
      pidFile: '/farm/nats-auth/nats-server.pid',
      users: [
        { publicKey: 'UCOORD', permissions: 'all', comment: 'service coordinator' },
        { publicKey: 'UWORKER', permissions: workerPermissions('local-1'), comment: 'worker local-1\nsecond line' },
      ],
    });
    expect(text).toContain('pid_file: "/farm/nats-auth/nats-server.pid"');
    expect(text).toContain('jetstream { store_dir: "/farm/nats" }');
    expect(text).toContain('{ nkey: "UCOORD", permissions: { publish: ">", subscribe: ">" } }');
    expect(text).toContain(
      '{ nkey: "UWORKER", permissions: { publish: { allow: ["tessera.v1.worker.register.local-1", "tessera.v1.work.request.local-1", ' +
        '"tessera.v1.worker.heartbeat.local-1", "tessera.v1.lease.release.local-1", "tessera.v1.results.local-1"] }, ' +
        'subscribe: { allow: ["tessera.v1.inbox.local-1.>"] } } }',
    );
    // A comment never spills onto a line of its own.
    expect(text).toContain('# worker local-1 second line');
  });

  it('quotes paths so that spaces and quotes stay literal', () => {
    expect(natsServerConfig({ storeDir: '/a b/"c"', pidFile: '/p', users: [] })).toContain('store_dir: "/a b/\\"c\\""');
  });
});

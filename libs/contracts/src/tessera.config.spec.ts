import { ConfigError, loadConfig } from './tessera.config';

const embedded = {
  natsUrl: 'nats://127.0.0.1:4222',
  s3: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'tessera', accessKeyId: 'a', secretAccessKey: 'b', forcePathStyle: true },
};

describe(loadConfig.name, () => {
  it('takes the embedded services and the defaults when nothing is set', () => {
    const config = loadConfig({}, embedded);
    expect(config).toMatchObject({
      home: '.tessera',
      natsUrl: 'nats://127.0.0.1:4222',
      databaseUrl: undefined,
      s3: embedded.s3,
      api: { host: '127.0.0.1', port: 8480 },
      scheduling: { leaseTtlMs: 30_000, heartbeatIntervalMs: 10_000, maxAttempts: 3 },
    });
  });

  it('lets each variable switch a part to an external service', () => {
    const config = loadConfig(
      {
        NATS_URL: 'nats://a:4222,nats://b:4222',
        DATABASE_URL: 'postgres://u:p@db:5432/tessera',
        S3_ENDPOINT: 'https://minio.example:9000',
        S3_ACCESS_KEY_ID: 'key',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_FORCE_PATH_STYLE: 'false',
      },
      embedded,
    );
    expect(config.natsUrl).toBe('nats://a:4222,nats://b:4222');
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/tessera');
    expect(config.s3).toEqual({
      endpoint: 'https://minio.example:9000',
      region: 'us-east-1',
      bucket: 'tessera',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
      forcePathStyle: false,
    });
  });

  it.each([
    [{ API_PORT: 'eighty' }, 'API_PORT'],
    [{ API_PORT: '70000' }, 'API_PORT'],
    [{ NATS_URL: 'http://x:4222' }, 'NATS_URL: must be nats://host:port'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be postgres://... or sqlite:<path>'],
    [{ S3_BUCKET: 'Bad_Bucket' }, 'S3_BUCKET: not a valid S3 bucket name'],
    [{ S3_ENDPOINT: 'http://minio:9000' }, 'S3_ACCESS_KEY_ID: required'],
    [{ LEASE_TTL_MS: '3000', HEARTBEAT_INTERVAL_MS: '2000' }, 'LEASE_TTL_MS must be at least 3 x HEARTBEAT_INTERVAL_MS'],
  ])('stops on %j with a message naming the variable', (env, expected) => {
    expect(() => loadConfig(env, embedded)).toThrow(ConfigError);
    expect(() => loadConfig(env, embedded)).toThrow(expected);
  });

  it('heartbeats every 10 s unless told, or three times a lease when the lease is shorter than 30 s', () => {
    expect(loadConfig({}, embedded).scheduling.heartbeatIntervalMs).toBe(10_000);
    expect(loadConfig({ LEASE_TTL_MS: '15000' }, embedded).scheduling).toMatchObject({ leaseTtlMs: 15_000, heartbeatIntervalMs: 5_000 });
    expect(loadConfig({ LEASE_TTL_MS: '15000', HEARTBEAT_INTERVAL_MS: '1000' }, embedded).scheduling.heartbeatIntervalMs).toBe(1_000);
  });

  it('connects without NATS credentials unless a seed file is named', () => {
    expect(loadConfig({}, embedded)).toMatchObject({ natsSeedFile: undefined, natsAuthDir: undefined });
    expect(loadConfig({ NATS_NKEY_SEED_FILE: '/etc/tessera/coordinator.nk', NATS_AUTH_DIR: '/srv/.tessera/nats-auth' }, embedded)).toMatchObject({
      natsSeedFile: '/etc/tessera/coordinator.nk',
      natsAuthDir: '/srv/.tessera/nats-auth',
    });
  });

  it('needs a NATS URL when there is no embedded server', () => {
    expect(() => loadConfig({}, {})).toThrow('NATS_URL: required');
  });
});

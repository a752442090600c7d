// The nats-server child process of `tessera up` and of the test harnesses, and its authorisation;
// re-exported by libs/messaging/src/index.ts.
export { NatsServerNotFoundError, resolveNatsServerBinary } from './nats-server.binary';
export {
  NatsServerProcess,
  NatsServerStartError,
  type NatsServerExit,
  type NatsServerProcessOptions,
} from './nats-server.process';
export { tiedToParent, type TiedCommand } from './parent-death';
export { natsServerConfig, type NatsServerConfigOptions, type NatsUser } from './nats-server.config';
export {
  allowWorker,
  NatsAuthorization,
  NatsAuthorizationError,
  revokeWorker,
  type AllowedWorker,
  type NatsService,
} from './nats-authorization';

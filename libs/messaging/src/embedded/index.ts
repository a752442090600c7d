// The nats-server child process of `tessera up` and of the test harnesses; re-exported by
// libs/messaging/src/index.ts.
export { NatsServerNotFoundError, resolveNatsServerBinary } from './nats-server.binary';
export {
  NatsServerProcess,
  NatsServerStartError,
  type NatsServerExit,
  type NatsServerProcessOptions,
} from './nats-server.process';
export { tiedToParent, type TiedCommand } from './parent-death';

export * from './nats.connection';
export * from './json-codec';
export * from './jetstream.setup';
export * from './nats.transport';
export * from './embedded';
export * from './messaging.module';
export * from './identity/nkey-identity';

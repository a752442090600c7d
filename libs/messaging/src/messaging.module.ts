import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { readIdentityFile } from './identity/nkey-identity';
import { connectNats, type NatsCredentials } from './nats.connection';

/** Injection token of the process's NATS connection. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    // drain: in-flight requests and subscriptions finish before the connection closes.
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

export interface MessagingOptions extends NatsCredentials {
  url: string;
  name: string;
  /** A file holding the NKey seed to authenticate with (a service's credentials); read at connect. */
  seedFile?: string;
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    const connectWith = (): Promise<NatsConnection> => {
      const { url, name, seedFile, ...credentials } = options;
      const seed = credentials.seed ?? (seedFile ? readIdentityFile(seedFile).seed : undefined);
      const logger = new Logger('Messaging');
      return connectNats(url, name, {
        ...credentials,
        seed,
        onUnauthorised:
          credentials.onUnauthorised ??
          ((error, attempt) => {
            // A freshly allowed key reaches the server a moment after the farm reloads it: retry a little.
            if (attempt >= 20) throw error;
            if (attempt % 4 === 1) logger.warn(`NATS refused the credentials of ${name} (${error.message}); retrying`);
          }),
      });
    };
    return {
      module: MessagingModule,
      providers: [{ provide: NATS_CONNECTION, useFactory: connectWith }, NatsLifecycle],
      exports: [NATS_CONNECTION],
    };
  }
}

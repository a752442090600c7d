import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from './nats.connection';

/** Injection token of the process's NATS connection. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    // drain: in-flight requests and subscriptions finish before the connection closes.
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: { url: string; name: string }): DynamicModule {
    return {
      module: MessagingModule,
      providers: [{ provide: NATS_CONNECTION, useFactory: () => connectNats(options.url, options.name) }, NatsLifecycle],
      exports: [NATS_CONNECTION],
    };
  }
}

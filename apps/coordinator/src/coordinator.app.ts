import { INestApplication, Logger } from '@nestjs/common';
import { backOff } from 'exponential-backoff';
import { NestFactory } from '@nestjs/core';
import { COORDINATOR_QUEUE, RESULTS_CONSUMER, streams, subjects, type TesseraConfig } from '@tessera/contracts';
import { ensureStreams, NATS_CONNECTION, NatsTransport, RethrowRpcErrors, type NatsConnection } from '@tessera/messaging';
import { CoordinatorModule } from './coordinator.module';
import { mapNatsError } from './errors';

/**
 * Starts a coordinator: migrates the database, makes sure the JetStream streams and the shared consumer
 * exist, then serves worker requests in the coordinators' queue group and takes results from the stream.
 * Several coordinators may run against one PostgreSQL and one NATS.
 */
export async function startCoordinator(config: TesseraConfig): Promise<INestApplication> {
  const app = await NestFactory.create(CoordinatorModule.forRoot(config), { logger: ['log', 'warn', 'error'], abortOnError: false });
  const nc = app.get<NatsConnection>(NATS_CONNECTION);
  // Results may stay unacked while a tile is checked and stored; well under a lease, well over a check.
  // A JetStream cluster that is just starting has no meta leader yet: keep trying for a while.
  const replicas = config.natsReplicas ?? defaultReplicas(nc);
  await backOff(() => ensureStreams(nc, { replicas, resultAckWaitMs: 60_000 }), {
    numOfAttempts: 15,
    startingDelay: 500,
    maxDelay: 5000,
    retry: (error: Error) => {
      Logger.warn(`JetStream not ready (${error.message}); retrying`, 'Coordinator');
      return true;
    },
  });
  // Inherited by the transport below (inheritAppConfig); the coordinator serves no HTTP routes.
  Logger.log(`JetStream streams with ${replicas} replica(s)`, 'Coordinator');
  app.useGlobalFilters(new RethrowRpcErrors());
  app.connectMicroservice(
    {
      strategy: new NatsTransport({
        nc,
        queue: COORDINATOR_QUEUE,
        consumers: { [subjects.resultsWildcard]: { stream: streams.results.name, durable: RESULTS_CONSUMER } },
        mapError: mapNatsError,
        concurrency: config.scheduling.concurrency,
      }),
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.init();
  return app;
}

/**
 * Results must survive the loss of a server: on a cluster of 3 or more, streams keep 3 replicas. The server
 * lists the client URLs of the cluster's members in its INFO; a single server lists none (or itself).
 */
function defaultReplicas(nc: NatsConnection): number {
  const members = new Set(nc.info?.connect_urls ?? []).size;
  return members >= 3 ? 3 : 1;
}

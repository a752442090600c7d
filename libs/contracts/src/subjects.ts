/**
 * Every NATS subject Tessera uses, in one place. Versioned: a breaking change to a message gets a new
 * version segment, and old and new can run side by side during a rollout. docs/protocol.md documents each.
 */
export const PROTOCOL_VERSION = 'v1';
const root = `tessera.${PROTOCOL_VERSION}`;

export const subjects = {
  /** Request/reply, served by the coordinators' queue group. A worker announces itself and its capabilities. */
  workerRegister: `${root}.worker.register`,
  /** Request/reply. A worker asks for up to `max` tiles; the reply holds zero or more leases. */
  workRequest: `${root}.work.request`,
  /** Request/reply. A worker says it is alive and which leases it holds; the reply renews or aborts them. */
  heartbeat: `${root}.worker.heartbeat`,
  /** Request/reply. A worker gives back leases it will not finish (shutdown), so they are re-queued at once. */
  leaseRelease: `${root}.lease.release`,
  /** JetStream (stream RESULTS). A worker publishes the outcome of one lease on its own subject. */
  result: (workerId: string) => `${root}.results.${workerId}`,
  resultsWildcard: `${root}.results.>`,
  /** JetStream (stream EVENTS). Progress of a job, for watchers (CLI, webhooks, dashboard). */
  jobEvent: (jobId: string) => `${root}.events.job.${jobId}`,
  jobEventsWildcard: `${root}.events.job.>`,
} as const;

export const streams = {
  results: { name: 'TESSERA_RESULTS', subjects: [subjects.resultsWildcard] },
  events: { name: 'TESSERA_EVENTS', subjects: [subjects.jobEventsWildcard] },
} as const;

/** The queue group of coordinators: each request is answered by exactly one of them. */
export const COORDINATOR_QUEUE = 'tessera-coordinators';
/** The durable pull consumer shared by all coordinators on the results stream. */
export const RESULTS_CONSUMER = 'tessera-coordinator';

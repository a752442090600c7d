/**
 * Every NATS subject Tessera uses, in one place. Versioned: a breaking change to a message gets a new
 * version segment, and old and new can run side by side during a rollout. docs/protocol.md documents each.
 *
 * Every subject a worker publishes on ends with its own worker id, and every reply it receives arrives under
 * its own inbox prefix. That is what lets nats-server enforce, per worker, that it speaks only for itself and
 * hears only its own replies (see `workerPermissions`): a worker id in a payload alone could be forged.
 */
export const PROTOCOL_VERSION = 'v1';
const root = `tessera.${PROTOCOL_VERSION}`;

export const subjects = {
  /** Request/reply, served by the coordinators' queue group. A worker announces itself and its capabilities. */
  workerRegister: (workerId: string) => `${root}.worker.register.${workerId}`,
  /** Request/reply. A worker asks for up to `max` tiles; the reply holds zero or more leases. */
  workRequest: (workerId: string) => `${root}.work.request.${workerId}`,
  /** Request/reply. A worker says it is alive and which leases it holds; the reply renews or aborts them. */
  heartbeat: (workerId: string) => `${root}.worker.heartbeat.${workerId}`,
  /** Request/reply. A worker gives back leases it will not finish (shutdown), so they are re-queued at once. */
  leaseRelease: (workerId: string) => `${root}.lease.release.${workerId}`,
  /** The prefix of a worker's reply subjects (its NATS inbox prefix): replies carry leases and presigned URLs. */
  inbox: (workerId: string) => `${root}.inbox.${workerId}`,
  /** JetStream (stream RESULTS). A worker publishes the outcome of one lease on its own subject. */
  result: (workerId: string) => `${root}.results.${workerId}`,
  resultsWildcard: `${root}.results.>`,
  /** JetStream (stream EVENTS). Progress of a job, for watchers (CLI, webhooks, dashboard). */
  jobEvent: (jobId: string) => `${root}.events.job.${jobId}`,
  jobEventsWildcard: `${root}.events.job.>`,
} as const;

/** The subjects coordinators serve, one wildcard token for the worker id. */
export const workerRequestPatterns = {
  register: subjects.workerRegister('*'),
  workRequest: subjects.workRequest('*'),
  heartbeat: subjects.heartbeat('*'),
  leaseRelease: subjects.leaseRelease('*'),
} as const;

/** The worker id a worker's subject ends with (the last token). */
export function workerIdOfSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

/** What nats-server lets one worker do: publish only as itself, subscribe only to its own replies. */
export interface SubjectPermissions {
  publish: string[];
  subscribe: string[];
}

/**
 * A worker may send its four requests and publish its results, each on the subject carrying its own id, and
 * may subscribe only under its own inbox prefix. It has no `$JS.API` access: it cannot read a stream or
 * create a consumer, so other workers' results stay out of reach. The JetStream acknowledgement of its
 * publish is sent by the server to its inbox, which needs no permission of its own.
 */
export function workerPermissions(workerId: string): SubjectPermissions {
  return {
    publish: [
      subjects.workerRegister(workerId),
      subjects.workRequest(workerId),
      subjects.heartbeat(workerId),
      subjects.leaseRelease(workerId),
      subjects.result(workerId),
    ],
    subscribe: [`${subjects.inbox(workerId)}.>`],
  };
}

export const streams = {
  results: { name: 'TESSERA_RESULTS', subjects: [subjects.resultsWildcard] },
  events: { name: 'TESSERA_EVENTS', subjects: [subjects.jobEventsWildcard] },
} as const;

/** The queue group of coordinators: each request is answered by exactly one of them. */
export const COORDINATOR_QUEUE = 'tessera-coordinators';
/** The durable pull consumer shared by all coordinators on the results stream. */
export const RESULTS_CONSUMER = 'tessera-coordinator';

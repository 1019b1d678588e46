import type { ConnectionOptions, WorkerOptions } from 'bullmq';
import type { Config } from '../src/config';
import type { JobPayloads } from '../src/db/outbox';

/** Every queue name; the payload each job carries is JobPayloads (src/db/outbox.ts: ids, never personal data). */
export const QUEUES = {
  maintenance: 'maintenance',
  datasetValidation: 'dataset-validation',
  training: 'training',
  purge: 'purge',
  dataSubjectRequests: 'data-subject-requests',
} as const satisfies Record<string, keyof JobPayloads>;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

// The outbox lives with the data layer (modules enqueue through it); re-exported for jobs/ and tests.
export { DEFAULT_JOB_OPTIONS, enqueue, OUTBOX_CHANNEL, OutboxRelay, type JobPayloads } from '../src/db/outbox';

export function redisConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    username: url.username || undefined,
    password: url.password || undefined,
    // BullMQ workers block on Redis; they must not give up on a slow reply.
    maxRetriesPerRequest: null,
  };
}

/**
 * Lock and stalled-check settings of every worker: a worker killed with -9 stops renewing its job's
 * lock; after at most JOB_LOCK_MS the lock is gone, and the next stalled checks (every
 * JOB_STALLED_INTERVAL_MS, in any live worker) put the job back in the queue: with 15 s and 5 s it
 * runs again within about 25 s. A job stalled three times fails (and its row is failed by the
 * final-failure handler or the reconciler).
 */
export function lockOptions(config: Readonly<Pick<Config, 'jobs'>>): Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> {
  return { lockDuration: config.jobs.lockDurationMs, stalledInterval: config.jobs.stalledIntervalMs, maxStalledCount: 2 };
}

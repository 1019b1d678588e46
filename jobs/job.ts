import type { MikroORM } from '@mikro-orm/postgresql';
import type { ConnectionOptions, Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../src/config';
import type { JobPayloads } from '../src/db/outbox';
import type { RedactionPool } from '../src/modules/datasets/redaction-pool';
import type { TrainerPool } from '../src/modules/models/trainer-pool';
import type { ObjectKeys } from '../src/privacy/object-keys';
import type { Services } from '../src/services';
import type { Storage } from '../src/storage/storage';

/** What every processor gets: the worker's system context (no viewer: jobs act for the system, through the services). */
export interface JobDeps {
  config: Readonly<Config>;
  orm: MikroORM;
  storage: Storage;
  keys: ObjectKeys;
  log: Logger;
  trainer: TrainerPool;
  redactor: RedactionPool;
  services: Services;
  connection: ConnectionOptions;
  /** Set when the worker closes: final-failure handlers stop retrying (the reconciler takes over). */
  closing: { stopped: boolean };
}

/**
 * One processor (jobs/*.job.ts): it re-loads its row, returns early when there is nothing to do,
 * and calls a service. `onFinalFailure` runs after the last attempt (or an UnrecoverableError),
 * retried until the database answers (jobs/until-done.ts).
 */
export interface JobDefinition<Q extends keyof JobPayloads> {
  queue: Q;
  concurrency: number;
  process(deps: JobDeps, job: Job<JobPayloads[Q]>): Promise<unknown>;
  onFinalFailure?(deps: JobDeps, job: Job<JobPayloads[Q]>, error: Error): Promise<void>;
}

/** The last attempt failed, or an UnrecoverableError (not retried: it is the last attempt). */
export const isFinal = (job: Job, error: Error): boolean => job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';

// npm run worker: a worker process. Run as many as needed; each takes jobs
// from every queue and relays the outbox (SKIP LOCKED keeps them apart).
import '../src/observability/start-tracing';
import 'reflect-metadata';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../src/config';
import { openOrm } from '../src/db/orm';
import type { JobPayloads } from '../src/db/outbox';
import { createLogger } from '../src/logging/logger';
import { KnownFailure, storableError } from '../src/logging/safe-error';
import { RedactionPool } from '../src/modules/datasets/redaction-pool';
import { TrainerPool } from '../src/modules/models/trainer-pool';
import { MasterKeys } from '../src/privacy/key-ring';
import { ObjectKeys } from '../src/privacy/object-keys';
import { retainRealtimePublisher } from '../src/realtime/publish';
import { createServices } from '../src/services';
import { Storage } from '../src/storage/storage';
import { dataSubjectRequestsJob } from './data-subject-requests.job';
import { datasetValidationJob } from './dataset-validation.job';
import { isFinal, type JobDefinition, type JobDeps } from './job';
import { maintenanceJob } from './maintenance.job';
import { purgeJob } from './purge.job';
import { lockOptions, OutboxRelay, QUEUES, redisConnection } from './queues';
import { reconcile } from './reconcile.job';
import { trainingJob } from './training.job';
import { untilDone } from './until-done';

/** Every processor, one per queue (jobs/*.job.ts). */
const JOBS: JobDefinition<keyof JobPayloads>[] = [maintenanceJob, datasetValidationJob, trainingJob, purgeJob, dataSubjectRequestsJob] as JobDefinition<keyof JobPayloads>[];

export interface RunningWorker {
  close(): Promise<void>;
}

export async function startWorker(config: Readonly<Config>, options: { orm?: MikroORM; log?: Logger; relayIntervalMs?: number; s3Endpoint?: string; storage?: Storage } = {}): Promise<RunningWorker> {
  const log = options.log ?? createLogger(config);
  const orm = options.orm ?? (await openOrm(config));
  const connection = redisConnection(config.redisUrl);
  // Status changes of jobs are announced to subscribers of any API process (src/realtime).
  const releasePublisher = retainRealtimePublisher(config.redisUrl);

  const endpoint = options.s3Endpoint ?? config.s3.endpoint;
  if (!endpoint) throw new Error('The worker needs S3_ENDPOINT (npm start passes the local one)');
  const storage = options.storage ?? new Storage({ ...config.s3, endpoint });
  // Services the API uses too (data-subject requests), with a system context; Redis only for their rate limits.
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  const services = createServices({ config, orm, redis, storage, log });
  const trainer = new TrainerPool();
  const redactor = new RedactionPool(datasetValidationJob.concurrency);
  // Final-failure handlers retry until the database answers, and stop when the worker closes (the reconciler takes over).
  const closing = { stopped: false };
  const deps: JobDeps = { config, orm, storage, keys: new ObjectKeys(new MasterKeys(config)), log, trainer, redactor, services, connection, closing };

  /**
   * Every processor runs through this: a failure is logged here (the logger
   * scrubs it), and BullMQ, which keeps failedReason and the stack in Redis,
   * gets only its safe message (src/logging/safe-error.ts).
   */
  const processor = <Q extends keyof JobPayloads>(definition: JobDefinition<Q>) => async (job: Job<JobPayloads[Q]>): Promise<unknown> => {
    try {
      return await definition.process(deps, job);
    } catch (error) {
      log.warn({ queue: definition.queue, jobId: job.id, attempt: job.attemptsMade + 1, err: error }, 'job failed');
      throw storableError(error);
    }
  };
  const workers = JOBS.map((definition) => {
    const worker = new Worker(definition.queue, processor(definition), { connection, concurrency: definition.concurrency, ...lockOptions(config) });
    worker.on('failed', (job, error) => {
      // The row must not wait for ever: retried until the database answers; the reconciler backs it up.
      if (job && definition.onFinalFailure && isFinal(job, error)) void untilDone(closing, log, `finish the failed ${definition.queue} job`, () => definition.onFinalFailure!(deps, job, error));
    });
    return worker;
  });
  for (const worker of workers) {
    // Connection and script errors (Redis away, a job lost with it) go through the logger, never as plain text.
    worker.on('error', (error) => log.warn({ queue: worker.name, err: error }, 'worker error'));
    // Failures of the processors were logged by processor(); this catches BullMQ's own (a stalled job).
    worker.on('failed', (job, error) => {
      if (!(error instanceof KnownFailure)) log.warn({ queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'job failed');
    });
  }

  const relay = new OutboxRelay(orm, connection, log, { leaseMs: config.jobs.outboxLeaseMs, retentionHours: config.jobs.outboxRetentionHours });
  relay.start(options.relayIntervalMs ?? 500);

  // Schedulers (hourly sessions, the reconciler, the daily purge), once across all workers: the scheduler ids make
  // it idempotent. Ensured at start and on every Redis reconnect (a Redis restarted empty lost them), and the
  // reconciler runs then too (it lost the relayed jobs).
  const schedulers = new Queue(QUEUES.maintenance, { connection });
  const purgeSchedulers = new Queue(QUEUES.purge, { connection });
  for (const queue of [schedulers, purgeSchedulers]) queue.on('error', (error) => log.warn({ queue: queue.name, err: error }, 'scheduler queue error'));
  // Scheduled runs keep a short history in Redis, not one entry per run for a week.
  const opts = { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } };
  const ensureSchedulers = async () => {
    await schedulers.upsertJobScheduler('expire-sessions', { every: 3600_000 }, { name: 'expire-sessions', data: { task: 'expire-sessions' }, opts });
    await schedulers.upsertJobScheduler('reconcile', { every: config.jobs.reconcileIntervalMs }, { name: 'reconcile', data: { task: 'reconcile' }, opts });
    // Daily, so expired data is gone within a day of its deadline.
    await purgeSchedulers.upsertJobScheduler('purge-daily', { every: 24 * 3600_000 }, { name: 'purge', data: {}, opts });
  };
  await ensureSchedulers();
  let reconciling: Promise<unknown> = Promise.resolve();
  const reconcileNow = () => {
    reconciling = reconciling.then(() => reconcile({ ...deps, dataSubjectRequests: services.dataSubjectRequests })).catch((error) => log.warn({ err: error }, 'reconciler failed; the next pass retries'));
  };
  const watcher = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  let lost = false;
  let warned = false;
  watcher.on('error', (error) => {
    if (!warned) log.warn({ err: error }, 'Redis unavailable; jobs wait in the outbox until it is back');
    warned = true;
    lost = true;
  });
  // A Redis restarted quickly may be back before the first reconnect attempt fails: a closed connection is a loss
  // whether or not an error follows it.
  watcher.on('close', () => {
    lost = true;
  });
  watcher.on('ready', () => {
    if (!lost) return;
    lost = false;
    warned = false;
    log.info('Redis available again: schedulers ensured, reconciling');
    void untilDone(closing, log, 'ensure schedulers', ensureSchedulers).then(reconcileNow);
  });
  await watcher.connect().catch(() => undefined);
  reconcileNow();
  log.info('worker started');

  return {
    async close() {
      closing.stopped = true;
      watcher.disconnect();
      await reconciling;
      await Promise.all([schedulers.close(), purgeSchedulers.close()]);
      await relay.stop();
      await Promise.all(workers.map((w) => w.close()));
      await trainer.destroy();
      await redactor.destroy();
      if (!options.storage) storage.destroy();
      redis.disconnect();
      await releasePublisher();
      if (!options.orm) await orm.close(true);
    },
  };
}

if (require.main === module) {
  const config = loadConfig();
  startWorker(config).then((worker) => {
    const shutdown = () => worker.close().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  }).catch((error) => {
    createLogger(config).fatal({ err: error }, 'worker did not start');
    process.exit(1);
  });
}

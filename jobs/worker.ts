// npm run worker: a worker process. Run as many as needed; each takes jobs
// from every queue and relays the outbox (SKIP LOCKED keeps them apart).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../src/config';
import { openOrm } from '../src/db/orm';
import { createLogger } from '../src/logging/logger';
import { KnownFailure, storableError } from '../src/logging/safe-error';
import { expireSessions } from './expire-sessions';
import { failValidation, validateDataset } from '../src/modules/datasets/dataset-validation';
import { failTraining, runTraining } from '../src/modules/models/training';
import { TrainerPool } from '../src/modules/models/trainer-pool';
import { executePurge, failPurgeRun } from '../src/modules/retention/purge';
import { PurgeRun } from '../src/modules/retention/retention.entity';
import { MasterKeys } from '../src/privacy/key-ring';
import { ObjectKeys } from '../src/privacy/object-keys';
import { Redis } from 'ioredis';
import { createServices } from '../src/services';
import { Storage } from '../src/storage/storage';
import { publishDatasetUpdated, publishDataSubjectRequestUpdated, publishTrainingJobUpdated, retainRealtimePublisher } from '../src/realtime/publish';
import { lockOptions, OutboxRelay, QUEUES, redisConnection, type JobPayloads } from './queues';
import { reconcile, type ReconcileDeps } from './reconcile.job';
import { untilDone } from './until-done';

export interface RunningWorker {
  close(): Promise<void>;
}

export async function startWorker(config: Readonly<Config>, options: { orm?: MikroORM; log?: Logger; relayIntervalMs?: number; s3Endpoint?: string; storage?: Storage } = {}): Promise<RunningWorker> {
  const log = options.log ?? createLogger(config);
  const orm = options.orm ?? (await openOrm(config));
  const connection = redisConnection(config.redisUrl);
  // Status changes of jobs are announced to subscribers of any API process (src/realtime).
  const releasePublisher = retainRealtimePublisher(config.redisUrl);

  /**
   * Every processor runs through this: a failure is logged here (the logger
   * scrubs it), and BullMQ, which keeps failedReason and the stack in Redis,
   * gets only its safe message (src/logging/safe-error.ts).
   */
  const processor = <T, R>(queue: string, run: (job: Job<T>) => Promise<R>) => async (job: Job<T>): Promise<R> => {
    try {
      return await run(job);
    } catch (error) {
      log.warn({ queue, jobId: job.id, attempt: job.attemptsMade + 1, err: error }, 'job failed');
      throw storableError(error);
    }
  };

  // Final-failure handlers retry until the database answers, and stop when the worker closes (the reconciler takes over).
  const closing = { stopped: false };
  // The last attempt failed, or an UnrecoverableError (not retried: it is the last attempt).
  const final = (job: Job, error: Error) => job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
  let setReconcileDeps!: (deps: ReconcileDeps) => void;
  const reconcileDepsReady = new Promise<ReconcileDeps>((resolve) => { setReconcileDeps = resolve; });

  const maintenance = new Worker<JobPayloads['maintenance']>(QUEUES.maintenance, processor(QUEUES.maintenance, async (job: Job<JobPayloads['maintenance']>) => {
    if (job.data.task === 'expire-sessions') return { removed: await expireSessions(orm.em.fork()) };
    if (job.data.task === 'reconcile') return reconcile(await reconcileDepsReady);
    throw new Error(`Unknown maintenance task ${String(job.data.task)}`);
  }), { connection, concurrency: 1, ...lockOptions(config) });

  const endpoint = options.s3Endpoint ?? config.s3.endpoint;
  if (!endpoint) throw new Error('The worker needs S3_ENDPOINT (npm start passes the local one)');
  const storage = options.storage ?? new Storage({ ...config.s3, endpoint });
  const objectKeys = new ObjectKeys(new MasterKeys(config));
  const datasetValidation = new Worker<JobPayloads['dataset-validation']>(QUEUES.datasetValidation, processor(QUEUES.datasetValidation, async (job) => ({
    status: await validateDataset(orm, storage, objectKeys, job.data.datasetId).finally(() => publishDatasetUpdated(job.data.datasetId)),
  })), { connection, concurrency: 2, ...lockOptions(config) });
  datasetValidation.on('failed', (job, error) => {
    // Out of retries: the dataset must not stay VALIDATING for ever (retried until the database answers; the reconciler backs it up).
    if (job && final(job, error)) void untilDone(closing, log, 'mark validation failed', () => failValidation(orm, storage, objectKeys, job.data.datasetId).then(() => publishDatasetUpdated(job.data.datasetId)));
  });

  // Training is CPU-bound: one at a time per worker process, in its trainer thread (off this event
  // loop, so other jobs and the lock renewal go on); run more workers to train more.
  const trainer = new TrainerPool();
  const training = new Worker<JobPayloads['training']>(QUEUES.training, processor(QUEUES.training, async (job) => ({
    status: await runTraining(orm, storage, log, job.data.trainingJobId, { runpod: config.runpod, keys: objectKeys, trainer, inputMaxBytes: config.trainingInputMaxBytes }).finally(() => publishTrainingJobUpdated(job.data.trainingJobId)),
  })), { connection, concurrency: 1, ...lockOptions(config) });
  training.on('failed', (job, error) => {
    // An UnrecoverableError (e.g. RunPod refused the API key) is not retried: it is the last attempt.
    // The job keeps only the safe message (the error is already storableError's, or BullMQ's own, e.g. a stall).
    if (job && final(job, error)) void untilDone(closing, log, 'mark training failed', () => failTraining(orm, job.data.trainingJobId, error).then(() => publishTrainingJobUpdated(job.data.trainingJobId)));
  });

  const purge = new Worker<JobPayloads['purge']>(QUEUES.purge, processor(QUEUES.purge, async (job) => {
    let runId = job.data.purgeRunId;
    if (!runId) {
      // The run's id goes on the job before the run exists: a retry (or a crash in between) runs the same PurgeRun, never a second.
      runId = randomUUID();
      await job.updateData({ ...job.data, purgeRunId: runId });
    }
    const em = orm.em.fork();
    if (!(await em.findOne(PurgeRun, runId))) {
      em.create(PurgeRun, { id: runId, dryRun: false });
      await em.flush();
    }
    await executePurge(orm, storage, runId);
    return { purgeRunId: runId };
  }), { connection, concurrency: 1, ...lockOptions(config) });
  purge.on('failed', (job, error) => {
    if (job?.data.purgeRunId && final(job, error)) void untilDone(closing, log, 'mark purge failed', () => failPurgeRun(orm, job.data.purgeRunId!, error));
  });

  // Data-subject requests run through the same services the API uses, with a system context.
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  const services = createServices({ config, orm, redis, storage, log });
  const dataSubjectRequests = new Worker<JobPayloads['data-subject-requests']>(QUEUES.dataSubjectRequests, processor(QUEUES.dataSubjectRequests, async (job) => ({
    status: (await services.dataSubjectRequests.process(orm.em.fork(), job.data.requestId).finally(() => publishDataSubjectRequestUpdated(job.data.requestId)))?.status ?? null,
  })), { connection, concurrency: 2, ...lockOptions(config) });
  dataSubjectRequests.on('failed', (job, error) => {
    // Out of retries: the request stays open and is flagged for the officer.
    if (job && final(job, error)) void untilDone(closing, log, 'flag the request', () => services.dataSubjectRequests.markFailed(orm, job.data.requestId, error));
  });

  const reconcileDeps: ReconcileDeps = { orm, storage, keys: objectKeys, log, config, connection, dataSubjectRequests: services.dataSubjectRequests };
  setReconcileDeps(reconcileDeps);

  const workers = [maintenance, datasetValidation, training, purge, dataSubjectRequests];
  for (const worker of workers) {
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
  const ensureSchedulers = async () => {
    await schedulers.upsertJobScheduler('expire-sessions', { every: 3600_000 }, { name: 'expire-sessions', data: { task: 'expire-sessions' } });
    await schedulers.upsertJobScheduler('reconcile', { every: config.jobs.reconcileIntervalMs }, { name: 'reconcile', data: { task: 'reconcile' } });
    // Daily, so expired data is gone within a day of its deadline.
    await purgeSchedulers.upsertJobScheduler('purge-daily', { every: 24 * 3600_000 }, { name: 'purge', data: {} });
  };
  await ensureSchedulers();
  let reconciling: Promise<unknown> = Promise.resolve();
  const reconcileNow = () => {
    reconciling = reconciling.then(() => reconcile(reconcileDeps)).catch((error) => log.warn({ err: error }, 'reconciler failed; the next pass retries'));
  };
  const watcher = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  let lost = false;
  watcher.on('error', (error) => {
    if (!lost) log.warn({ err: error }, 'Redis unavailable; jobs wait in the outbox until it is back');
    lost = true;
  });
  watcher.on('ready', () => {
    if (!lost) return;
    lost = false;
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

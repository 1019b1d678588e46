import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { RunPodConfig } from '../../config';
import { KnownFailure, safeErrorMessage } from '../../logging/safe-error';
import { loadConfig } from '../../config';
import { MasterKeys } from '../../privacy/key-ring';
import { ObjectKeyOwner } from '../../privacy/object-key.entity';
import { ObjectKeys } from '../../privacy/object-keys';
import { publishTrainingJobUpdated } from '../../realtime/publish';
import type { Storage } from '../../storage/storage';
import { readRedactedRecords } from '../datasets/redacted-copy';
import { artifactKeyOf, writeArtifact } from './artifact-store';
import { Dataset, DatasetStatus } from '../datasets/dataset.entity';
import { InfluencerModel, ModelStatus, ModelVersion, TrainingBackend, TrainingJob, TrainingJobStatus } from './model.entity';
import { ARTIFACT_FORMAT, type PersonaSpec, type TrainingRecord, type TrainingResult } from './retrieval-model';
import { TrainerPool, TrainingAborted } from './trainer-pool';
import { RunPodClient, RunPodError } from './runpod-client';

const event = (message: string) => ({ at: new Date().toISOString(), message });

class Cancelled extends Error {}

/** The job RunPod runs: the redacted records (never the originals) and the persona. */
export interface RunPodTrainingInput {
  task: 'aimex-train-retrieval';
  persona: PersonaSpec;
  records: TrainingRecord[];
}
/** What the RunPod worker answers with: the same artifact and metrics as LOCAL training. */
export type RunPodTrainingOutput = TrainingResult;

export interface TrainingOptions {
  /** The RunPod endpoint for RUNPOD jobs; without it they fail (and are retried, perhaps by a worker that has it). */
  runpod?: Readonly<RunPodConfig> | null;
  /** Keys of the datasets' copies and of the artifact (the worker passes its own; by default from the configured master key). */
  keys?: ObjectKeys;
  /** The worker's trainer thread pool (LOCAL); without one, a pool is made for this job and closed after it. */
  trainer?: TrainerPool;
  /** TRAINING_INPUT_MAX_BYTES: the most redacted data one job may read; more fails the job without retries. */
  inputMaxBytes?: number;
}

/** Per job, unless the worker says otherwise (the default of TRAINING_INPUT_MAX_BYTES). */
export const DEFAULT_TRAINING_INPUT_MAX_BYTES = 64 * 1024 * 1024;
/** How often a LOCAL training looks for a cancel while its thread computes. */
const CANCEL_POLL_MS = 500;

type Progress = (progress: number, message?: string) => Promise<void>;

const SUBMITTED = /^submitted to RunPod as (\S+)$/;

/**
 * Trains a model on the redacted copies of its datasets (never the originals),
 * stores the artifact, and in one transaction makes the next version, activates
 * it and marks the datasets CONSUMED; their files are then destroyed. Safe to
 * retry after a crash: a job that already made its version only finishes, and
 * the unique training_job_id means a retry can never make a second version.
 *
 * LOCAL trains in the worker's trainer thread (trainLocally); RUNPOD sends the same records to RunPod's
 * serverless API and waits for the artifact (see trainOnRunPod).
 */
export async function runTraining(orm: MikroORM, storage: Storage, log: Logger, jobId: string, options: TrainingOptions = {}): Promise<TrainingJobStatus | null> {
  const em = orm.em.fork();
  const job = await em.findOne(TrainingJob, jobId, { populate: ['model'] });
  if (!job || (job.status !== TrainingJobStatus.QUEUED && job.status !== TrainingJobStatus.RUNNING)) return job?.status ?? null;
  const model = job.model as InfluencerModel;
  const keys = options.keys ?? new ObjectKeys(new MasterKeys(loadConfig()));

  // Conditional: a cancel committed since the read above keeps its CANCELLED.
  const started = await em.execute<{ id: string }[]>(
    `update training_jobs set status = 'RUNNING', attempts = attempts + 1, started_at = coalesce(started_at, now()), events = events || ?::jsonb
      where id = ? and status in ('QUEUED', 'RUNNING') and not cancel_requested returning id`,
    [JSON.stringify([event(job.attempts > 0 ? `started again (attempt ${job.attempts + 1})` : 'started')]), job.id],
  );
  await em.refresh(job);
  if (started.length === 0) return job.status;
  publishTrainingJobUpdated(job.id);

  const isCancelled = async () => {
    const [row] = await em.execute<{ cancel_requested: boolean }[]>('select cancel_requested from training_jobs where id = ?', [job.id]);
    return !!row?.cancel_requested;
  };
  const checkCancelled = async () => {
    if (await isCancelled()) throw new Cancelled();
  };
  const setProgress: Progress = async (progress, message) => {
    await em.execute(
      `update training_jobs set progress = greatest(progress, ?)${message ? ', events = events || ?::jsonb' : ''} where id = ? and status = 'RUNNING'`,
      message ? [progress, JSON.stringify([event(message)]), job.id] : [progress, job.id],
    );
    publishTrainingJobUpdated(job.id);
  };

  try {
    const datasets = await em.find(Dataset, { id: { $in: job.datasetIds } });
    const missing = job.datasetIds.filter((id) => !datasets.some((d) => d.id === id && d.status === DatasetStatus.READY && d.redactedKey));
    if (missing.length) {
      // Known at the first try and on every retry: fail now, without retries.
      const failure = new KnownFailure('A dataset it was queued with is no longer READY', `Datasets no longer READY: ${missing.join(', ')}`);
      const stop = new UnrecoverableError(failure.message);
      stop.cause = failure; // what safeErrorMessage stores
      throw stop;
    }
    await checkInputSize(storage, datasets, options.inputMaxBytes ?? DEFAULT_TRAINING_INPUT_MAX_BYTES);

    let result: TrainedArtifact;
    if (job.backend === TrainingBackend.RUNPOD) {
      if (!options.runpod) throw new KnownFailure('The RUNPOD backend is not configured on this worker (RUNPOD_BASE_URL, RUNPOD_API_KEY)');
      // RunPod's API takes the records in the request body: they are gathered for it.
      const records: TrainingRecord[] = [];
      for (const dataset of datasets) {
        for await (const record of readRedactedRecords(em, storage, keys, dataset)) records.push(record as TrainingRecord);
      }
      await setProgress(0.1, `read ${records.length} redacted records from ${datasets.length} datasets`);
      await checkCancelled();
      const trained = await trainOnRunPod(options.runpod, log, job, { task: 'aimex-train-retrieval', persona: model.persona, records }, setProgress, isCancelled);
      // Stored as RunPod made it (JSON, aimex-retrieval/1); the API converts it to the compact form when it loads it.
      result = { body: Buffer.from(JSON.stringify(trained.artifact), 'utf8'), metrics: trained.metrics };
    } else {
      const trainer = options.trainer ?? new TrainerPool();
      try {
        result = await trainLocally(trainer, model.persona, datasets, (dataset) => readRedactedRecords(em, storage, keys, dataset), setProgress, isCancelled);
      } finally {
        if (!options.trainer) await trainer.destroy();
      }
    }
    await checkCancelled();
    await finishTraining(em, storage, keys, job, model, result, setProgress);
    return TrainingJobStatus.SUCCEEDED;
  } catch (error) {
    if (error instanceof Cancelled) {
      log.info({ jobId }, 'training cancelled');
      return TrainingJobStatus.CANCELLED;
    }
    throw error;
  }
}

/** What a backend hands over: the artifact's bytes (LOCAL: the compact form, aimex-retrieval/3; RUNPOD: its JSON) and the metrics. */
interface TrainedArtifact { body: Buffer; metrics: TrainingResult['metrics'] }

/** More redacted data than TRAINING_INPUT_MAX_BYTES would not fit the worker: the job fails at once, without retries. */
async function checkInputSize(storage: Storage, datasets: Dataset[], maxBytes: number): Promise<void> {
  let total = 0;
  for (const dataset of datasets) total += (await storage.size(dataset.redactedKey!)) ?? 0;
  if (total <= maxBytes) return;
  const failure = new KnownFailure(`The training data (${total} bytes) exceeds TRAINING_INPUT_MAX_BYTES (${maxBytes})`);
  const stop = new UnrecoverableError(failure.message);
  stop.cause = failure; // what safeErrorMessage stores
  throw stop;
}

/**
 * LOCAL training in the worker's trainer thread: the records stream in from S3 (decrypted as
 * they come, never the whole dataset in one buffer), progress is written as it moves (at most
 * every second, at least every 5%), and a cancel is looked for every CANCEL_POLL_MS: it
 * terminates the thread, so the computation stops, not just the bookkeeping. A thread that dies
 * fails the attempt (BullMQ retries it); the version is only made afterwards, once.
 */
async function trainLocally(
  trainer: TrainerPool, persona: PersonaSpec, datasets: Dataset[],
  read: (dataset: Dataset) => AsyncIterable<unknown>, setProgress: Progress, isCancelled: () => Promise<boolean>,
): Promise<TrainedArtifact> {
  const expected = datasets.reduce((sum, d) => sum + (d.recordCount ?? 0), 0);
  let written = 0;
  let writtenAt = 0;
  let writing: Promise<void> = Promise.resolve();
  // Reading is 0.05 to 0.4 of the job, the thread's build 0.4 to 0.9; writes go one after another.
  const report = (progress: number, message?: string) => {
    const now = Date.now();
    if (!message && (progress - written < 0.01 || (progress - written < 0.05 && now - writtenAt < 1000))) return;
    written = Math.max(written, progress);
    writtenAt = now;
    writing = writing.then(() => setProgress(progress, message)).catch(() => undefined);
  };

  const controller = new AbortController();
  let cancelled = false;
  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    isCancelled().then((yes) => {
      if (yes) {
        cancelled = true;
        controller.abort();
      }
    }, () => undefined).finally(() => { polling = false; });
  }, CANCEL_POLL_MS);

  async function* records(): AsyncGenerator<TrainingRecord> {
    let count = 0;
    for (const dataset of datasets) {
      for await (const record of read(dataset)) {
        count += 1;
        yield record as TrainingRecord;
      }
    }
    report(0.4, `read ${count} redacted records from ${datasets.length} datasets`);
  }

  try {
    report(0.05);
    const trained = await trainer.train({
      persona, records: records(), signal: controller.signal,
      onRead: (count) => report(0.05 + 0.35 * Math.min(1, count / Math.max(1, expected))),
      onProgress: (fraction) => report(0.4 + 0.5 * fraction),
    });
    report(0.9, 'model built');
    return { body: trained.artifact, metrics: trained.metrics };
  } catch (error) {
    if (cancelled && error instanceof TrainingAborted) throw new Cancelled();
    throw error;
  } finally {
    clearInterval(poll);
    await writing;
  }
}

/** Stores the artifact, then makes the version, activates it and consumes the datasets in one transaction (whatever the backend). */
async function finishTraining(em: EntityManager, storage: Storage, keys: ObjectKeys, job: TrainingJob, model: InfluencerModel, result: TrainedArtifact, setProgress: Progress): Promise<void> {
  const artifactKey = artifactKeyOf(model.organization.id, model.id, job.id);
  const storedBytes = await writeArtifact(em, storage, keys, artifactKey, job.id, result.body);
  await setProgress(0.95, 'artifact stored');

  const consumed = await em.transactional(async (tx) => {
    await tx.execute('select id from influencer_models where id = ? for update', [model.id]);
    const fresh = await tx.findOneOrFail(TrainingJob, job.id, { refresh: true });
    if (fresh.cancelRequested) throw new Cancelled();
    const existing = await tx.findOne(ModelVersion, { trainingJobId: job.id });
    const [{ next }] = await tx.execute<{ next: number }[]>('select coalesce(max(version), 0) + 1 as next from model_versions where model_id = ?', [model.id]);
    const version = existing ?? tx.create(ModelVersion, {
      model: tx.getReference(InfluencerModel, model.id), version: next, backend: job.backend, metrics: result.metrics,
      artifactKey, artifactSizeBytes: storedBytes, trainedOnDatasetIds: job.datasetIds, trainingJobId: job.id,
    });
    fresh.status = TrainingJobStatus.SUCCEEDED;
    fresh.progress = 1;
    fresh.finishedAt = new Date();
    fresh.resultVersionId = version.id;
    fresh.events = [...fresh.events, event(`version ${version.version} created (held-out accuracy ${result.metrics.heldOutAccuracy ?? 'n/a'})`)];
    const freshModel = await tx.findOneOrFail(InfluencerModel, model.id, { refresh: true });
    freshModel.activeVersionId = version.id;
    if (freshModel.status !== ModelStatus.ARCHIVED) freshModel.status = ModelStatus.READY;
    // Training data is destroyed as soon as the model exists (SPEC 5).
    const used = await tx.find(Dataset, { id: { $in: job.datasetIds } });
    for (const dataset of used) {
      dataset.status = DatasetStatus.CONSUMED;
      dataset.rawDeletedAt ??= new Date();
      dataset.previewEnc = null;
    }
    // With the transaction: whatever of their copies survives a failed delete below is unreadable (the sweep removes it).
    await keys.destroy(tx, ObjectKeyOwner.DATASET, used.map((d) => d.id));
    return used.map((d) => [d.rawKey, d.redactedKey]).flat().filter((k): k is string => !!k);
  });
  for (const key of consumed) await storage.delete(key);
  await em.execute("update datasets set raw_key = null, redacted_key = null where id in (?) and status = 'CONSUMED'", [job.datasetIds]);
}

/**
 * Submits the job to RunPod and polls it until it ends. The RunPod job id is
 * kept in the TrainingJob's events ('submitted to RunPod as <id>'), not in a
 * column: a retry reads the last one back and resumes waiting for it while
 * RunPod still has it queued, running or completed, so a worker crash never
 * pays for the same training twice; only a job that ended badly (or that
 * RunPod no longer knows) is submitted again. A cancel requested here is
 * passed on to RunPod.
 */
async function trainOnRunPod(
  config: Readonly<RunPodConfig>, log: Logger, job: TrainingJob, input: RunPodTrainingInput, setProgress: Progress, isCancelled: () => Promise<boolean>,
): Promise<TrainingResult> {
  const client = new RunPodClient(config);
  const unrecoverable = (error: unknown): never => {
    // A refused key will be refused on every retry: fail the job now.
    if (error instanceof RunPodError && (error.httpStatus === 401 || error.httpStatus === 403)) {
      const stop = new UnrecoverableError(error.message);
      stop.cause = error; // what safeErrorMessage stores
      throw stop;
    }
    throw error;
  };

  let runpodId: string | null = null;
  const previous = [...job.events].reverse().map((e) => SUBMITTED.exec(e.message)?.[1]).find(Boolean);
  if (previous) {
    const found = await client.status(previous).catch((error: unknown) => {
      if (error instanceof RunPodError && error.httpStatus === 404) return null;
      return unrecoverable(error);
    });
    if (found && ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED'].includes(found.status)) {
      runpodId = previous;
      await setProgress(0.15, `resumed waiting for RunPod job ${previous}`);
    }
  }
  if (!runpodId) {
    const submitted = await client.run(input).catch(unrecoverable);
    runpodId = submitted.id;
    await setProgress(0.15, `submitted to RunPod as ${runpodId}`);
  }

  const deadline = Date.now() + config.timeoutMs;
  const cancelRemote = async (id: string) => {
    await client.cancel(id).catch((error: unknown) => log.warn({ err: error, runpodId: id }, 'could not cancel the RunPod job'));
  };
  for (;;) {
    if (await isCancelled()) {
      await cancelRemote(runpodId);
      throw new Cancelled();
    }
    const status = await client.status<RunPodTrainingOutput>(runpodId).catch(unrecoverable);
    switch (status.status) {
      case 'IN_QUEUE':
        await setProgress(0.2);
        break;
      case 'IN_PROGRESS':
        await setProgress(0.5);
        break;
      case 'COMPLETED':
        await setProgress(0.9, `RunPod job ${runpodId} completed`);
        return checkedOutput(runpodId, status.output);
      default:
        // RunPod's error text is the remote worker's (it may quote the records): the log gets it, the job only the status.
        throw new KnownFailure(`The RunPod job ended ${status.status}`, `RunPod job ${runpodId} ${status.status}: ${status.error ?? 'no error given'}`.slice(0, 500));
    }
    if (Date.now() >= deadline) {
      await cancelRemote(runpodId);
      throw new KnownFailure(`The RunPod job did not finish within ${config.timeoutMs} ms`, `RunPod job ${runpodId} did not finish within ${config.timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, config.pollIntervalMs));
  }
}

/** RunPod's output is stored and later loaded as a model: it must have the shape LOCAL training makes. */
function checkedOutput(runpodId: string, output: unknown): TrainingResult {
  const candidate = output as Partial<RunPodTrainingOutput> | null | undefined;
  const artifact = candidate?.artifact;
  const metrics = candidate?.metrics;
  const valid = !!artifact && artifact.format === ARTIFACT_FORMAT && Array.isArray(artifact.documents) && !!artifact.idf && typeof artifact.idf === 'object'
    && !!artifact.persona && !!metrics && Number.isInteger(metrics.trainingExamples) && Number.isInteger(metrics.heldOutExamples)
    && (metrics.heldOutAccuracy === null || typeof metrics.heldOutAccuracy === 'number');
  if (!valid) throw new KnownFailure(`The RunPod job completed without a ${ARTIFACT_FORMAT} artifact and metrics`, `RunPod job ${runpodId} completed without a ${ARTIFACT_FORMAT} artifact and metrics`);
  return { artifact: artifact!, metrics: { trainingExamples: metrics!.trainingExamples, heldOutExamples: metrics!.heldOutExamples, heldOutAccuracy: metrics!.heldOutAccuracy } };
}

/**
 * After the last retry: the job and the model say so instead of hanging in
 * TRAINING. The job stores only the error's safe message (never a driver's or
 * RunPod's text: it is shown to the organization).
 */
export async function failTraining(orm: MikroORM, jobId: string, error: unknown): Promise<void> {
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    // The lock finishing and cancelling take: a job that just succeeded or was cancelled is left as it is.
    await tx.execute('select m.id from influencer_models m join training_jobs j on j.model_id = m.id where j.id = ? for update of m', [jobId]);
    const job = await tx.findOne(TrainingJob, jobId, { refresh: true });
    if (!job || (job.status !== TrainingJobStatus.QUEUED && job.status !== TrainingJobStatus.RUNNING)) return;
    job.status = TrainingJobStatus.FAILED;
    job.error = safeErrorMessage(error).slice(0, 500);
    job.finishedAt = new Date();
    job.events = [...job.events, event('failed')];
    const model = await tx.findOneOrFail(InfluencerModel, job.model.id);
    if (model.status === ModelStatus.TRAINING) model.status = model.activeVersionId ? ModelStatus.READY : ModelStatus.FAILED;
  });
}

import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Storage } from '../../storage/storage';
import { Dataset, DatasetStatus } from '../datasets/dataset.entity';
import { InfluencerModel, ModelStatus, ModelVersion, TrainingBackend, TrainingJob, TrainingJobStatus } from './model.entity';
import { train, type TrainingRecord } from './retrieval-model';

const event = (message: string) => ({ at: new Date().toISOString(), message });

class Cancelled extends Error {}

/**
 * Trains a model on the redacted copies of its datasets (never the originals),
 * stores the artifact, and in one transaction makes the next version, activates
 * it and marks the datasets CONSUMED; their files are then destroyed. Safe to
 * retry after a crash: a job that already made its version only finishes, and
 * the unique training_job_id means a retry can never make a second version.
 */
export async function runTraining(orm: MikroORM, storage: Storage, log: Logger, jobId: string): Promise<TrainingJobStatus | null> {
  const em = orm.em.fork();
  const job = await em.findOne(TrainingJob, jobId, { populate: ['model'] });
  if (!job || (job.status !== TrainingJobStatus.QUEUED && job.status !== TrainingJobStatus.RUNNING)) return job?.status ?? null;
  const model = job.model as InfluencerModel;

  job.status = TrainingJobStatus.RUNNING;
  job.attempts += 1;
  job.startedAt ??= new Date();
  job.events = [...job.events, event(job.attempts > 1 ? `started again (attempt ${job.attempts})` : 'started')];
  await em.flush();

  const checkCancelled = async () => {
    const [row] = await em.execute<{ cancel_requested: boolean }[]>('select cancel_requested from training_jobs where id = ?', [job.id]);
    if (row?.cancel_requested) throw new Cancelled();
  };
  const setProgress = async (progress: number, message?: string) => {
    await em.execute(
      `update training_jobs set progress = greatest(progress, ?)${message ? ', events = events || ?::jsonb' : ''} where id = ? and status = 'RUNNING'`,
      message ? [progress, JSON.stringify([event(message)]), job.id] : [progress, job.id],
    );
  };

  try {
    const datasets = await em.find(Dataset, { id: { $in: job.datasetIds } });
    const missing = job.datasetIds.filter((id) => !datasets.some((d) => d.id === id && d.status === DatasetStatus.READY && d.redactedKey));
    if (missing.length) throw new Error(`Datasets no longer READY: ${missing.join(', ')}`);
    const records: TrainingRecord[] = [];
    for (const dataset of datasets) {
      const lines = (await storage.getBuffer(dataset.redactedKey!)).toString('utf8').split('\n');
      for (const line of lines) if (line.trim()) records.push(JSON.parse(line) as TrainingRecord);
    }
    await setProgress(0.1, `read ${records.length} redacted records from ${datasets.length} datasets`);
    await checkCancelled();

    let lastReported = 0.1;
    const result = train(records, model.persona, (fraction) => {
      const progress = 0.1 + fraction * 0.8;
      if (progress - lastReported >= 0.1) {
        lastReported = progress;
        void setProgress(progress).catch(() => undefined);
      }
    });
    await checkCancelled();

    const artifactKey = `models/${model.organization.id}/${model.id}/${job.id}.json`;
    const body = Buffer.from(JSON.stringify(result.artifact), 'utf8');
    await storage.put(artifactKey, body, 'application/json');
    await setProgress(0.95, 'artifact stored');

    const consumed = await em.transactional(async (tx) => {
      await tx.execute('select id from influencer_models where id = ? for update', [model.id]);
      const fresh = await tx.findOneOrFail(TrainingJob, job.id, { refresh: true });
      if (fresh.cancelRequested) throw new Cancelled();
      const existing = await tx.findOne(ModelVersion, { trainingJobId: job.id });
      const [{ next }] = await tx.execute<{ next: number }[]>('select coalesce(max(version), 0) + 1 as next from model_versions where model_id = ?', [model.id]);
      const version = existing ?? tx.create(ModelVersion, {
        model: tx.getReference(InfluencerModel, model.id), version: next, backend: TrainingBackend.LOCAL, metrics: result.metrics,
        artifactKey, artifactSizeBytes: body.length, trainedOnDatasetIds: job.datasetIds, trainingJobId: job.id,
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
        dataset.rawDeletedAt = new Date();
        dataset.preview = [];
      }
      return used.map((d) => [d.rawKey, d.redactedKey]).flat().filter((k): k is string => !!k);
    });
    for (const key of consumed) await storage.delete(key);
    await em.execute("update datasets set raw_key = null, redacted_key = null where id in (?) and status = 'CONSUMED'", [job.datasetIds]);
    return TrainingJobStatus.SUCCEEDED;
  } catch (error) {
    if (error instanceof Cancelled) {
      log.info({ jobId }, 'training cancelled');
      return TrainingJobStatus.CANCELLED;
    }
    throw error;
  }
}

/** After the last retry: the job and the model say so instead of hanging in TRAINING. */
export async function failTraining(orm: MikroORM, jobId: string, message: string): Promise<void> {
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    const job = await tx.findOne(TrainingJob, jobId);
    if (!job || (job.status !== TrainingJobStatus.QUEUED && job.status !== TrainingJobStatus.RUNNING)) return;
    job.status = TrainingJobStatus.FAILED;
    job.error = message.slice(0, 500);
    job.finishedAt = new Date();
    job.events = [...job.events, event('failed')];
    const model = await tx.findOneOrFail(InfluencerModel, job.model.id);
    if (model.status === ModelStatus.TRAINING) model.status = model.activeVersionId ? ModelStatus.READY : ModelStatus.FAILED;
  });
}

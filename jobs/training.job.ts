import { TrainingJob, TrainingJobStatus } from '../src/modules/models/model.entity';
import { failTraining, runTraining } from '../src/modules/models/training';
import { publishTrainingJobUpdated } from '../src/realtime/publish';
import type { JobDefinition } from './job';
import { QUEUES } from './queues';

/**
 * Trains a model (src/modules/models/training.ts). CPU-bound: one at a time per worker process, in
 * its trainer thread (off the event loop, so other jobs and the lock renewal go on); run more
 * workers to train more.
 */
export const trainingJob: JobDefinition<typeof QUEUES.training> = {
  queue: QUEUES.training,
  concurrency: 1,
  async process({ orm, storage, log, keys, trainer, config }, job) {
    const { trainingJobId } = job.data;
    const row = await orm.em.fork().findOne(TrainingJob, trainingJobId);
    if (!row || (row.status !== TrainingJobStatus.QUEUED && row.status !== TrainingJobStatus.RUNNING)) return { status: row?.status ?? null };
    return {
      status: await runTraining(orm, storage, log, trainingJobId, { runpod: config.runpod, keys, trainer, inputMaxBytes: config.trainingInputMaxBytes })
        .finally(() => publishTrainingJobUpdated(trainingJobId)),
    };
  },
  // The job keeps only the safe message (the error is already storableError's, or BullMQ's own, e.g. a stall).
  async onFinalFailure({ orm }, job, error) {
    await failTraining(orm, job.data.trainingJobId, error);
    publishTrainingJobUpdated(job.data.trainingJobId);
  },
};

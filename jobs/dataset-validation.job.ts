import { Dataset, DatasetStatus } from '../src/modules/datasets/dataset.entity';
import { failValidation, validateDataset } from '../src/modules/datasets/dataset-validation';
import { publishDatasetUpdated } from '../src/realtime/publish';
import type { JobDefinition } from './job';
import { QUEUES } from './queues';

/** Validates an uploaded dataset (src/modules/datasets/dataset-validation.ts). */
export const datasetValidationJob: JobDefinition<typeof QUEUES.datasetValidation> = {
  queue: QUEUES.datasetValidation,
  concurrency: 2,
  async process({ orm, storage, keys, redactor }, job) {
    const { datasetId } = job.data;
    const dataset = await orm.em.fork().findOne(Dataset, datasetId);
    if (!dataset || dataset.status !== DatasetStatus.VALIDATING) return { status: dataset?.status ?? null };
    return { status: await validateDataset(orm, storage, keys, redactor, datasetId).finally(() => publishDatasetUpdated(datasetId)) };
  },
  // Out of retries: the dataset must not stay VALIDATING for ever.
  async onFinalFailure({ orm, storage, keys }, job) {
    await failValidation(orm, storage, keys, job.data.datasetId);
    publishDatasetUpdated(job.data.datasetId);
  },
};

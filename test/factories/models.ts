import { CreateDatasetDocument, CreateModelDocument, DatasetByIdDocument, TrainingJobByIdDocument, TrainModelDocument } from '../__generated__/typed-documents';
import type { TestServer } from '../setup/harness';
import type { Account } from './accounts';

export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen`);
}

/**
 * A READY model of the account's organization, trained (LOCAL) on the given
 * QA pairs through the API. Needs a running worker.
 */
export async function trainedModel(server: TestServer, owner: Account, qa: [string, string][], language = 'ko'): Promise<string> {
  const content = ['question,answer', ...qa.map(([q, a]) => `"${q}","${a}"`)].join('\n');
  const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'qa', kind: 'QA_CONVERSATION', format: 'CSV', content } }, { token: owner.token });
  const datasetId = created.data!.createDataset.dataset.id;
  await eventually(async () => (await server.gql(DatasetByIdDocument, { id: datasetId }, { token: owner.token })).data?.dataset?.status === 'READY', 'dataset validation');
  const model = await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '코치', persona: { displayName: '하루', tone: '친근함', language } } }, { token: owner.token });
  const modelId = model.data!.createModel.id;
  const job = await server.gql(TrainModelDocument, { input: { modelId, datasetIds: [datasetId] } }, { token: owner.token });
  await eventually(async () => (await server.gql(TrainingJobByIdDocument, { id: job.data!.trainModel.id }, { token: owner.token })).data?.trainingJob?.status === 'SUCCEEDED', 'training');
  return modelId;
}

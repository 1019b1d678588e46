// The API's loaded models are an LRU bounded by bytes (MODEL_CACHE_MAX_BYTES),
// not by count: the least recently used model goes when the next one would not
// fit, and a model larger than the bound is answered without being kept.
import { startWorker } from '../../jobs/worker';
import { CreateDatasetDocument, CreateModelDocument, DatasetByIdDocument, GenerateContentDocument, TrainingJobByIdDocument, TrainModelDocument } from '../__generated__/typed-documents';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let owner: Account;
const models: string[] = [];
const keyOf = new Map<string, string>();

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 600; i += 1) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen`);
}

const QA = (topic: string) => ['question,answer', ...Array.from({ length: 12 }, (_, i) => `"${topic} ${i}번은 어떻게 하나요?","${topic} ${i}번은 마이페이지에서 신청하시면 됩니다."`)].join('\n');

beforeAll(async () => {
  server = await startServer();
  owner = await signUpEnterprise(server);
  const worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  try {
    for (const topic of ['배송', '환불', '교환']) {
      const model = (await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: topic, persona: { displayName: topic } } }, { token: owner.token })).data!.createModel;
      const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: topic, kind: 'QA_CONVERSATION', format: 'CSV', content: QA(topic) } }, { token: owner.token });
      const datasetId = created.data!.createDataset.dataset.id;
      await until(async () => (await server.gql(DatasetByIdDocument, { id: datasetId }, { token: owner.token })).data?.dataset?.status === 'READY', 'validation');
      const jobId = (await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [datasetId] } }, { token: owner.token })).data!.trainModel.id;
      await until(async () => (await server.gql(TrainingJobByIdDocument, { id: jobId }, { token: owner.token })).data?.trainingJob?.status === 'SUCCEEDED', 'training');
      models.push(model.id);
    }
  } finally {
    await worker.close();
  }
}, 120_000);
afterAll(async () => { await server.close(); });

async function ask(on: TestServer, modelId: string) {
  const result = await on.gql(GenerateContentDocument, { input: { modelId, kind: 'REPLY', prompt: '신청은 어떻게 하나요?' } }, { token: owner.token });
  expect(result.errors).toBeUndefined();
  return result.data!.generateContent.text;
}

describe('the model cache', () => {
  it('given a bound in bytes, then the least recently used model is evicted when the next does not fit, and the total stays within it', async () => {
    // Each model's size in memory, as the cache counts it (generous bound first).
    const sizes = new Map<string, number>();
    for (const id of models) {
      const before = server.app.services.models.cacheUsage();
      await ask(server, id);
      const after = server.app.services.models.cacheUsage();
      sizes.set(id, after.bytes - before.bytes);
      keyOf.set(id, after.keys.find((k) => !before.keys.includes(k))!);
    }
    const [a, b, c] = models;
    for (const size of sizes.values()) expect(size).toBeGreaterThan(0);

    // Room for a and b, not for all three.
    const bound = sizes.get(a)! + sizes.get(b)! + Math.floor(sizes.get(c)! / 2);
    const small = await startServer({ MODEL_CACHE_MAX_BYTES: String(bound) });
    try {
      const answers = [await ask(small, a), await ask(small, b)];
      expect(small.app.services.models.cacheUsage()).toMatchObject({ models: 2, bytes: sizes.get(a)! + sizes.get(b)! });
      await ask(small, a); // a is now the most recently used
      await ask(small, c);
      const usage = small.app.services.models.cacheUsage();
      expect(usage.keys.sort()).toEqual([keyOf.get(a)!, keyOf.get(c)!].sort());
      expect(usage.bytes).toBeLessThanOrEqual(bound);
      // An evicted model loads again and answers the same.
      expect([await ask(small, a), await ask(small, b)]).toEqual(answers);
      expect(small.app.services.models.cacheUsage().bytes).toBeLessThanOrEqual(bound);
    } finally {
      await small.close();
    }
  });

  it('given a bound smaller than any model, then models still answer, and none is kept', async () => {
    const tiny = await startServer({ MODEL_CACHE_MAX_BYTES: '1024' });
    try {
      expect(await ask(tiny, models[0])).toBe(await ask(server, models[0]));
      expect(tiny.app.services.models.cacheUsage()).toEqual({ models: 0, bytes: 0, keys: [] });
    } finally {
      await tiny.close();
    }
  });
});

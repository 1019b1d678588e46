import { startWorker, type RunningWorker } from '../../jobs/worker';
import { type Config, ConfigError, loadConfig } from '../../src/config';
import { RunPodClient } from '../../src/modules/models/runpod-client';
import { readArtifact } from '../../src/modules/models/artifact-store';
import { failTraining, runTraining } from '../../src/modules/models/training';
import { ObjectKeys } from '../../src/privacy/object-keys';
import {
  CancelTrainingJobDocument, CreateDatasetDocument, CreateModelDocument, DatasetByIdDocument, GenerateContentDocument, ModelByIdDocument,
  TrainingJobByIdDocument, TrainModelDocument,
} from '../__generated__/typed-documents';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';
import { startRunPodStandIn, type RunPodStandIn } from './runpod-stand-in';

let standIn: RunPodStandIn;
let server: TestServer;
let owner: Account;
beforeAll(async () => {
  standIn = await startRunPodStandIn({ apiKey: 'test-key' });
  server = await startServer({ RUNPOD_BASE_URL: `${standIn.url}/v2/test-endpoint`, RUNPOD_API_KEY: 'test-key', RUNPOD_POLL_INTERVAL_MS: '50' });
  owner = await signUpEnterprise(server);
});
afterAll(async () => {
  await server.close();
  await standIn.close();
});

const QA = [
  ['배송은 얼마나 걸리나요?', '보통 2~3일 걸려요. 제주도는 하루 더 걸립니다.'],
  ['환불은 어떻게 하나요?', '구매 후 7일 이내 마이페이지에서 신청하시면 됩니다.'],
  ['회원 등급 혜택이 뭔가요?', '골드 등급은 5% 적립, 플래티넘은 10% 적립이에요.'],
  ['매장 위치가 어디인가요?', '서울 강남역 2번 출구 앞에 있어요.'],
  ['영업 시간은요?', '매일 오전 10시부터 오후 9시까지 운영합니다.'],
  ['포장 선물 가능한가요?', '네, 결제 시 선물 포장을 선택하실 수 있어요.'],
  ['교환 기간은요?', '수령 후 14일 이내 교환이 가능합니다.'],
  ['해외 배송 되나요?', '현재 미국과 일본으로만 해외 배송이 가능해요.'],
  ['적립금 유효기간은?', '적립금은 1년 동안 사용할 수 있습니다.'],
  ['문의는 어디로 하나요?', '고객센터 help@aimex.example 또는 010-1234-5678로 연락 주세요.'],
  ['사이즈 추천해주세요', '평소 사이즈보다 한 치수 크게 고르시는 걸 추천해요.'],
];
const csv = (rows: string[][]) => ['question,answer', ...rows.map(([q, a]) => `"${q}","${a}"`)].join('\n');

async function until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string): Promise<T> {
  for (let i = 0; i < 300; i += 1) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not happen`);
}

async function readyDataset(account: Account = owner) {
  const created = await server.gql(CreateDatasetDocument, { input: { organizationId: account.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv(QA) } }, { token: account.token });
  const id = created.data!.createDataset.dataset.id;
  const dataset = await until(async () => {
    const d = (await server.gql(DatasetByIdDocument, { id }, { token: account.token })).data?.dataset;
    return d && d.status !== 'VALIDATING' ? d : null;
  }, 'validation');
  expect(dataset.status).toBe('READY');
  return dataset;
}

async function newModel() {
  const result = await server.gql(CreateModelDocument, { input: {
    organizationId: owner.organizationId!, name: '에이미',
    persona: { displayName: '에이미', tone: '친근함', catchphrases: ['오늘도 반가워요!'], brandValues: ['정직'], language: 'ko' },
  } }, { token: owner.token });
  expect(result.errors).toBeUndefined();
  return result.data!.createModel;
}

async function queueRunPod(modelId: string, datasetId: string) {
  const queued = await server.gql(TrainModelDocument, { input: { modelId, datasetIds: [datasetId], backend: 'RUNPOD' } }, { token: owner.token });
  expect(queued.errors).toBeUndefined();
  expect(queued.data!.trainModel).toMatchObject({ status: 'QUEUED', backend: 'RUNPOD' });
  return queued.data!.trainModel.id;
}

const jobById = async (id: string) => (await server.gql(TrainingJobByIdDocument, { id }, { token: owner.token })).data!.trainingJob!;
const finished = (id: string) => until(async () => {
  const job = await jobById(id);
  return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) ? job : null;
}, 'training');
const runpodIdOf = (events: { message: string }[]) => events.map((e) => /^submitted to RunPod as (\S+)$/.exec(e.message)?.[1]).filter(Boolean) as string[];
const runsReceived = () => standIn.requests.filter((r) => r.method === 'POST' && r.url === '/v2/test-endpoint/run');

describe('RunPod fails the job (no worker: each attempt run by hand)', () => {
  it('given RunPod answers FAILED, then each attempt throws its error text, a retry submits anew, and after the last attempt the job is FAILED', async () => {
    const model = await newModel();
    const validator = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
    const dataset = await readyDataset();
    await validator.close();
    const jobId = await queueRunPod(model.id, dataset.id);
    const { orm, storage, log, config } = server.app;
    const before = runsReceived().length;

    standIn.failNext('CUDA out of memory on the RunPod worker');
    await expect(runTraining(orm, storage, log, jobId, { runpod: config.runpod })).rejects.toThrow(/FAILED: CUDA out of memory on the RunPod worker$/);
    const afterFirst = await jobById(jobId);
    expect(afterFirst).toMatchObject({ status: 'RUNNING', attempts: 1 });
    const [firstRunPodId] = runpodIdOf(afterFirst.events);
    expect(standIn.jobs.get(firstRunPodId!)!.status).toBe('FAILED');

    // The retry reads the earlier RunPod id back, sees it FAILED, and submits a new one.
    // RunPod's error text is the remote worker's own (it may quote the records): the log may have it, the job may not.
    standIn.failNext('CUDA out of memory again, on the record of hong@example.com');
    const lastError = await runTraining(orm, storage, log, jobId, { runpod: config.runpod }).then(() => null, (error: unknown) => error);
    expect((lastError as Error).message).toMatch(/FAILED: CUDA out of memory again/);
    const afterSecond = await jobById(jobId);
    expect(afterSecond.attempts).toBe(2);
    const ids = runpodIdOf(afterSecond.events);
    expect(ids).toHaveLength(2);
    expect(ids[1]).not.toBe(ids[0]);
    expect(runsReceived().length - before).toBe(2);

    // What the worker does when BullMQ has no attempts left.
    await failTraining(orm, jobId, lastError);
    const failed = await jobById(jobId);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'The RunPod job ended FAILED', resultVersion: null });
    expect(failed.finishedAt).toEqual(expect.any(String));
    const loaded = (await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!;
    expect(loaded).toMatchObject({ status: 'FAILED', activeVersion: null, versions: [] });
    // Nothing was consumed: the data is still there for another try.
    expect((await server.gql(DatasetByIdDocument, { id: dataset.id }, { token: owner.token })).data!.dataset!.status).toBe('READY');
    // A worker picking the job up later leaves it alone.
    expect(await runTraining(orm, storage, log, jobId, { runpod: config.runpod })).toBe('FAILED');
  });
});

describe('a worker that crashed while RunPod was training (no worker: run by hand)', () => {
  it('given the job already submitted to RunPod, when retried, then it waits for that RunPod job instead of paying for a second one', async () => {
    const model = await newModel();
    const validator = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
    const dataset = await readyDataset();
    await validator.close();
    const jobId = await queueRunPod(model.id, dataset.id);
    const { orm, storage, log, config } = server.app;

    // The first attempt submitted, then its worker died: the RunPod job runs on, its id is in the events.
    const earlier = await new RunPodClient(config.runpod!).run({ task: 'aimex-train-retrieval', persona: { displayName: '에이미', catchphrases: [], brandValues: [], language: 'ko' }, records: [{ question: '배송은 얼마나 걸리나요?', answer: '보통 2~3일 걸려요.' }] });
    await orm.em.fork().execute(
      "update training_jobs set status = 'RUNNING', attempts = 1, events = events || ?::jsonb where id = ?",
      [JSON.stringify([{ at: new Date().toISOString(), message: `submitted to RunPod as ${earlier.id}` }]), jobId],
    );
    const before = runsReceived().length;

    expect(await runTraining(orm, storage, log, jobId, { runpod: config.runpod })).toBe('SUCCEEDED');
    expect(runsReceived().length).toBe(before);
    const job = await jobById(jobId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', attempts: 2, resultVersion: { version: 1 } });
    expect(job.events.map((e) => e.message)).toContain(`resumed waiting for RunPod job ${earlier.id}`);
    // The version is what that RunPod job trained: one record, so no held-out set.
    const loaded = (await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!;
    expect(loaded.activeVersion).toMatchObject({ backend: 'RUNPOD', metrics: { trainingExamples: 1, heldOutExamples: 0, heldOutAccuracy: null } });
  });
});

describe('RunPod configuration', () => {
  it('given the URL and key, then defaults for polling; one without the other, or neither, as documented', () => {
    expect(loadConfig({ RUNPOD_BASE_URL: 'https://api.runpod.ai/v2/abc123/', RUNPOD_API_KEY: 'k' }).runpod)
      .toEqual({ baseUrl: 'https://api.runpod.ai/v2/abc123', apiKey: 'k', pollIntervalMs: 2000, timeoutMs: 3600000 });
    expect(loadConfig({}).runpod).toBeNull();
    expect(() => loadConfig({ RUNPOD_API_KEY: 'k' })).toThrow(new ConfigError('RUNPOD_BASE_URL is required when RUNPOD_API_KEY is set'));
    expect(() => loadConfig({ RUNPOD_BASE_URL: 'https://api.runpod.ai/v2/abc123' })).toThrow(new ConfigError('RUNPOD_API_KEY is required when RUNPOD_BASE_URL is set'));
    expect(() => loadConfig({ RUNPOD_BASE_URL: 'not a url', RUNPOD_API_KEY: 'k' })).toThrow(ConfigError);
    expect(() => loadConfig({ RUNPOD_BASE_URL: 'https://api.runpod.ai/v2/abc123', RUNPOD_API_KEY: 'k', RUNPOD_POLL_INTERVAL_MS: '0' })).toThrow(ConfigError);
  });
});

describe('training on RunPod through a real worker', () => {
  let worker: RunningWorker;
  beforeAll(async () => { worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 }); });
  afterAll(async () => { await worker.close(); });

  it('given READY datasets, when trained on RUNPOD, then RunPod got only redacted records and its artifact is stored as version 1', async () => {
    const model = await newModel();
    const dataset = await readyDataset();
    const jobId = await queueRunPod(model.id, dataset.id);
    const job = await finished(jobId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', backend: 'RUNPOD', progress: 1, attempts: 1, error: null, resultVersion: { version: 1 } });
    const [runpodId] = runpodIdOf(job.events);
    expect(job.events.map((e) => e.message)).toEqual(expect.arrayContaining([`submitted to RunPod as ${runpodId}`, `RunPod job ${runpodId} completed`, 'artifact stored']));
    expect(standIn.jobs.get(runpodId!)!.status).toBe('COMPLETED');
    expect(job.datasets).toEqual([{ id: dataset.id, status: 'CONSUMED', rawDeletedAt: expect.any(String) }]);

    // The submission: bearer key, the task, the persona and the redacted records, never the originals.
    const submitted = runsReceived().find((r) => standIn.jobs.get(runpodId!)!.input === (r.body as { input: unknown }).input)!;
    expect(submitted.authorization).toBe('Bearer test-key');
    const input = (submitted.body as { input: { task: string; persona: { displayName: string }; records: { question?: string; answer?: string }[] } }).input;
    expect(input.task).toBe('aimex-train-retrieval');
    expect(input.persona.displayName).toBe('에이미');
    expect(input.records).toHaveLength(QA.length);
    expect(input.records).toContainEqual({ question: '환불은 어떻게 하나요?', answer: '구매 후 7일 이내 마이페이지에서 신청하시면 됩니다.' });
    const payload = JSON.stringify(submitted.body);
    expect(payload).not.toContain('help@aimex.example');
    expect(payload).not.toContain('010-1234-5678');
    expect(payload).not.toContain('@');

    const loaded = (await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!;
    expect(loaded.status).toBe('READY');
    expect(loaded.activeVersion).toMatchObject({ version: 1, backend: 'RUNPOD', trainedOnDatasetIds: [dataset.id], metrics: { trainingExamples: 10, heldOutExamples: 1 } });
    const artifactKey = `models/${owner.organizationId}/${model.id}/${jobId}.artifact`;
    expect(await server.app.storage.size(artifactKey)).toBe(loaded.activeVersion!.artifactSizeBytes);
    expect(loaded.activeVersion!.artifactSizeBytes).toBeGreaterThan(0);
    // Stored encrypted under the version's own key.
    expect((await server.app.storage.getBuffer(artifactKey)).subarray(0, 4).toString('ascii')).toBe('AXS1');
    const stored = JSON.parse((await readArtifact(server.app.orm.em.fork(), server.app.storage, new ObjectKeys(server.app.services.master), { artifactKey, trainingJobId: jobId })).toString('utf8'));
    expect(stored).toEqual((standIn.jobs.get(runpodId!)!.output as { artifact: unknown }).artifact);

    const reply = await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'REPLY', prompt: '환불 신청은 어떻게 해요?' } }, { token: owner.token });
    expect(reply.errors).toBeUndefined();
    expect(reply.data!.generateContent).toMatchObject({ modelVersion: 1, aiGenerated: true, disclosure: 'AI가 생성한 콘텐츠입니다' });
    expect(reply.data!.generateContent.text).toContain('7일 이내 마이페이지');
  });

  it('given a RunPod job IN_PROGRESS, when cancelled, then the job is CANCELLED, RunPod is told to cancel it, and nothing is consumed', async () => {
    const model = await newModel();
    const dataset = await readyDataset();
    standIn.hangNext();
    const jobId = await queueRunPod(model.id, dataset.id);
    const running = await until(async () => {
      const job = await jobById(jobId);
      return job.status === 'RUNNING' && job.progress >= 0.5 ? job : null;
    }, 'RunPod job in progress');
    const [runpodId] = runpodIdOf(running.events);
    expect(standIn.jobs.get(runpodId!)!.status).toBe('IN_PROGRESS');

    const cancelled = await server.gql(CancelTrainingJobDocument, { id: jobId }, { token: owner.token });
    expect(cancelled.data!.cancelTrainingJob.status).toBe('CANCELLED');
    const cancelCall = await until(() => standIn.requests.find((r) => r.method === 'POST' && r.url === `/v2/test-endpoint/cancel/${runpodId}`), 'cancel call');
    expect(cancelCall.authorization).toBe('Bearer test-key');
    expect(standIn.jobs.get(runpodId!)!.status).toBe('CANCELLED');

    expect(await jobById(jobId)).toMatchObject({ status: 'CANCELLED', resultVersion: null });
    expect((await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!).toMatchObject({ status: 'DRAFT', versions: [] });
    expect((await server.gql(DatasetByIdDocument, { id: dataset.id }, { token: owner.token })).data!.dataset!.status).toBe('READY');
  });
});

describe('a worker whose RunPod key is refused', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    const config: Config = { ...server.app.config, runpod: { ...server.app.config.runpod!, apiKey: 'wrong-key' } };
    worker = await startWorker(config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  });
  afterAll(async () => { await worker.close(); });

  it('given RunPod answers 401, then the job fails at once with a clear error that does not carry the key', async () => {
    const model = await newModel();
    const dataset = await readyDataset();
    const before = runsReceived().length;
    const jobId = await queueRunPod(model.id, dataset.id);
    const job = await finished(jobId);
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1, resultVersion: null, error: 'RunPod run failed: HTTP 401 (the RunPod API key was refused)' });
    expect(job.error).not.toContain('wrong-key');
    const refused = runsReceived().slice(before);
    expect(refused.map((r) => r.authorization)).toEqual(['Bearer wrong-key']);
    expect(runpodIdOf(job.events)).toEqual([]);
    expect((await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!).toMatchObject({ status: 'FAILED', versions: [] });
    expect((await server.gql(DatasetByIdDocument, { id: dataset.id }, { token: owner.token })).data!.dataset!.status).toBe('READY');
  });
});

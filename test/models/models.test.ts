import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import { runTraining } from '../../src/modules/models/training';
import {
  ActivateModelVersionDocument, ArchiveModelDocument, CancelTrainingJobDocument, CreateApiKeyDocument, CreateDatasetDocument, CreateModelDocument,
  DatasetByIdDocument, GenerateContentDocument, ModelByIdDocument, OrganizationModelsDocument, TrainingJobByIdDocument, TrainModelDocument, UpdateModelDocument,
} from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let owner: Account;
beforeAll(async () => {
  server = await startServer();
  owner = await signUpEnterprise(server);
});
afterAll(async () => { await server.close(); });

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

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 300; i += 1) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen`);
}

async function readyDataset(account: Account, rows: string[][] = QA) {
  const created = await server.gql(CreateDatasetDocument, { input: { organizationId: account.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv(rows) } }, { token: account.token });
  const id = created.data!.createDataset.dataset.id;
  return until(async () => {
    const d = (await server.gql(DatasetByIdDocument, { id }, { token: account.token })).data?.dataset;
    return d && d.status !== 'VALIDATING' ? d : null;
  }, 'validation');
}

async function newModel(account: Account = owner, language = 'ko') {
  const result = await server.gql(CreateModelDocument, { input: {
    organizationId: account.organizationId!, name: '에이미',
    persona: { displayName: '에이미', tone: '친근함', catchphrases: ['오늘도 반가워요!'], brandValues: ['정직', '친환경'], language },
  } }, { token: account.token });
  expect(result.errors).toBeUndefined();
  return result.data!.createModel;
}

describe('without a worker: queued jobs and cancellation', () => {
  it('given a queued job, when cancelled, then CANCELLED and the model is back to DRAFT; a worker later leaves it alone', async () => {
    const model = await newModel();
    // Validation needs a worker: run one just for that, then stop it before training is queued.
    const validator = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
    const dataset = await readyDataset(owner);
    await validator.close();
    const queued = await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [dataset.id] } }, { token: owner.token });
    expect(queued.data!.trainModel).toMatchObject({ status: 'QUEUED', backend: 'LOCAL', progress: 0, datasets: [{ id: dataset.id }] });
    expectError(await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [dataset.id] } }, { token: owner.token }), 'CONFLICT');
    const cancelled = await server.gql(CancelTrainingJobDocument, { id: queued.data!.trainModel.id }, { token: owner.token });
    expect(cancelled.data!.cancelTrainingJob.status).toBe('CANCELLED');
    expectError(await server.gql(CancelTrainingJobDocument, { id: queued.data!.trainModel.id }, { token: owner.token }), 'CONFLICT');
    expect(await runTraining(server.app.orm, server.app.storage, server.app.log, queued.data!.trainModel.id)).toBe('CANCELLED');
    expect((await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!).toMatchObject({ status: 'DRAFT', versions: [] });
    // The dataset was not used: still READY.
    expect((await server.gql(DatasetByIdDocument, { id: dataset.id }, { token: owner.token })).data!.dataset!.status).toBe('READY');
  });
});

describe('crash safety', () => {
  it('given the same job run twice at once (a worker presumed dead while still running), then exactly one version is made', async () => {
    const model = await newModel();
    const validator = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
    const dataset = await readyDataset(owner);
    await validator.close();
    const queued = await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [dataset.id] } }, { token: owner.token });
    const jobId = queued.data!.trainModel.id;
    const results = await Promise.allSettled([
      runTraining(server.app.orm, server.app.storage, server.app.log, jobId),
      runTraining(server.app.orm, server.app.storage, server.app.log, jobId),
    ]);
    expect(results.some((r) => r.status === 'fulfilled' && r.value === 'SUCCEEDED')).toBe(true);
    const loaded = (await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!;
    expect(loaded.versions).toEqual([{ version: 1 }]);
    expect(loaded.trainingJobs).toEqual([{ id: jobId, status: 'SUCCEEDED' }]);
  });
});

describe('training and generation through a real worker', () => {
  let worker: RunningWorker;
  beforeAll(async () => { worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 }); });
  afterAll(async () => { await worker.close(); });

  async function trained(modelId: string, datasetIds: string[], account: Account = owner) {
    const queued = await server.gql(TrainModelDocument, { input: { modelId, datasetIds } }, { token: account.token });
    expect(queued.errors).toBeUndefined();
    return until(async () => {
      const job = (await server.gql(TrainingJobByIdDocument, { id: queued.data!.trainModel.id }, { token: account.token })).data?.trainingJob;
      return job && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) ? job : null;
    }, 'training');
  }

  it('given READY datasets, when trained, then version 1 is active with held-out metrics, and the datasets are destroyed', async () => {
    const model = await newModel();
    const dataset = await readyDataset(owner);
    const job = await trained(model.id, [dataset.id]);
    expect(job).toMatchObject({ status: 'SUCCEEDED', progress: 1, attempts: 1, error: null, resultVersion: { version: 1 } });
    expect(job.events.map((e) => e.message)).toEqual(expect.arrayContaining(['queued', 'started', 'artifact stored']));
    expect(job.datasets).toEqual([{ id: dataset.id, status: 'CONSUMED', rawDeletedAt: expect.any(String) }]);
    for (const key of [`datasets/${owner.organizationId}/${dataset.id}/original`, `datasets/${owner.organizationId}/${dataset.id}/redacted.jsonl`]) {
      expect(await server.app.storage.size(key)).toBeNull();
    }
    const loaded = (await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!;
    expect(loaded.status).toBe('READY');
    expect(loaded.activeVersion).toMatchObject({ version: 1, backend: 'LOCAL', trainedOnDatasetIds: [dataset.id], metrics: { trainingExamples: 10, heldOutExamples: 1 } });
    expect(loaded.activeVersion!.artifactSizeBytes).toBeGreaterThan(0);
    const accuracy = loaded.activeVersion!.metrics.heldOutAccuracy!;
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);

    // A consumed dataset cannot train again.
    expectError(await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [dataset.id] } }, { token: owner.token }), 'BAD_USER_INPUT', 'datasetIds');

    // The model answers from what it learned, AI-labelled, and never repeats the redacted personal data.
    const reply = await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'REPLY', prompt: '환불 신청은 어떻게 해요?' } }, { token: owner.token });
    expect(reply.errors).toBeUndefined();
    expect(reply.data!.generateContent).toMatchObject({ modelVersion: 1, kind: 'REPLY', aiGenerated: true, disclosure: 'AI가 생성한 콘텐츠입니다', model: { id: model.id } });
    expect(reply.data!.generateContent.text).toContain('7일 이내 마이페이지');
    const contact = await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'REPLY', prompt: '문의는 어디로 하나요?' } }, { token: owner.token });
    expect(contact.data!.generateContent.text).not.toContain('help@aimex.example');
    expect(contact.data!.generateContent.text).not.toContain('010-1234-5678');
    for (const kind of ['POST', 'CAPTION', 'COACHING'] as const) {
      const out = await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind, prompt: '여름 배송 이벤트' } }, { token: owner.token });
      expect(out.data!.generateContent.text.length).toBeGreaterThan(0);
      expect(out.data!.generateContent.aiGenerated).toBe(true);
    }
  });

  it('given a second training, then version 2 becomes active; activating 1 switches back; a retried job makes no second version', async () => {
    const model = await newModel();
    const first = await trained(model.id, [(await readyDataset(owner)).id]);
    const second = await trained(model.id, [(await readyDataset(owner, QA.slice(0, 5))).id]);
    expect(second.resultVersion).toEqual({ version: 2 });
    expect((await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!.activeVersion!.version).toBe(2);

    const activated = await server.gql(ActivateModelVersionDocument, { modelId: model.id, version: 1 }, { token: owner.token });
    expect(activated.data!.activateModelVersion).toMatchObject({ status: 'READY', activeVersion: { version: 1 } });
    expectError(await server.gql(ActivateModelVersionDocument, { modelId: model.id, version: 9 }, { token: owner.token }), 'BAD_USER_INPUT', 'version');

    // A worker that crashed after committing, before BullMQ heard of it, runs the job again: nothing new.
    expect(await runTraining(server.app.orm, server.app.storage, server.app.log, first.id)).toBe('SUCCEEDED');
    const versions = (await server.gql(ModelByIdDocument, { id: model.id }, { token: owner.token })).data!.model!.versions;
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('given bad requests, then the right codes and nothing changes', async () => {
    const model = await newModel();
    const stranger = await signUpEnterprise(server);
    const strangerSet = await readyDataset(stranger);
    expectError(await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [strangerSet.id] } }, { token: owner.token }), 'NOT_FOUND');
    expectError(await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [] } }, { token: owner.token }), 'BAD_USER_INPUT', 'datasetIds');
    expectError(await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [strangerSet.id], backend: 'RUNPOD' } }, { token: owner.token }), 'BAD_USER_INPUT', 'backend');
    expectError(await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'POST', prompt: '안녕' } }, { token: owner.token }), 'CONFLICT');
    expectError(await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: 'x', persona: { displayName: 'x', language: 'xx' } } }, { token: owner.token }), 'BAD_USER_INPUT', 'persona.language');
    expectError(await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: ' ', persona: { displayName: 'x' } } }, { token: owner.token }), 'BAD_USER_INPUT', 'name');
    expectError(await server.gql(CreateModelDocument, { input: { organizationId: stranger.organizationId!, name: 'x', persona: { displayName: 'x' } } }, { token: owner.token }), 'NOT_FOUND');
    expectError(await server.gql(TrainingJobByIdDocument, { id: 'nope' }, { token: owner.token }), 'NOT_FOUND');
    const renamed = await server.gql(UpdateModelDocument, { id: model.id, input: { name: '새 이름', persona: { displayName: 'Amy', language: 'en' } } }, { token: owner.token });
    expect(renamed.data!.updateModel).toMatchObject({ name: '새 이름', persona: { displayName: 'Amy', language: 'en' } });
    expectError(await server.gql(UpdateModelDocument, { id: model.id, input: { name: 'x' } }, { token: stranger.token }), 'NOT_FOUND');
    const archived = await server.gql(ArchiveModelDocument, { id: model.id }, { token: owner.token });
    expect(archived.data!.archiveModel.status).toBe('ARCHIVED');
    expectError(await server.gql(UpdateModelDocument, { id: model.id, input: { name: 'y' } }, { token: owner.token }), 'CONFLICT');
    const listed = await server.gql(OrganizationModelsDocument, { id: owner.organizationId!, first: 100 }, { token: owner.token });
    expect(listed.data!.organization!.models.edges.map((e) => e.node.id)).toContain(model.id);
  });

  it('given partner keys, members and staff, then access follows the scopes and roles', async () => {
    const model = await newModel(owner, 'en');
    await trained(model.id, [(await readyDataset(owner)).id]);
    const key = async (scopes: ('MODELS_READ' | 'CONTENT_GENERATE')[]) =>
      (await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'k', scopes }, { token: owner.token })).data!.createApiKey.secret;
    const reader = await key(['MODELS_READ']);
    const generator = await key(['CONTENT_GENERATE']);
    expect((await server.gql(ModelByIdDocument, { id: model.id }, { apiKey: reader })).data!.model!.id).toBe(model.id);
    expectError(await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'POST', prompt: 'summer' } }, { apiKey: reader }), 'FORBIDDEN');
    const generated = await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'POST', prompt: 'summer delivery' } }, { apiKey: generator });
    expect(generated.errors).toBeUndefined();
    expect(generated.data!.generateContent.disclosure).toBe('This content was generated by AI.');
    expectError(await server.gql(ModelByIdDocument, { id: model.id }, { apiKey: generator }), 'FORBIDDEN');
    expectError(await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds: [] } }, { apiKey: reader }), 'FORBIDDEN');

    const member = await signUpMember(server);
    const stranger = await signUpEnterprise(server);
    const admin = await createStaff(server, Role.ADMIN);
    expectError(await server.gql(ModelByIdDocument, { id: model.id }, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(ModelByIdDocument, { id: model.id }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'POST', prompt: 'x' } }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(ModelByIdDocument, { id: model.id }), 'UNAUTHENTICATED');
    expect((await server.gql(ModelByIdDocument, { id: model.id }, { token: admin.token })).data!.model!.id).toBe(model.id);
    expectError(await server.gql(GenerateContentDocument, { input: { modelId: model.id, kind: 'POST', prompt: 'x' } }, { token: admin.token }), 'FORBIDDEN');
  });
});

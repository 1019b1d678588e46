import { randomUUID } from 'node:crypto';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import {
  CancelTrainingJobDocument, CreateApiKeyDocument, CreateDatasetDocument, CreateMissionTemplateDocument, CreateModelDocument, DatasetByIdDocument,
  GenerateContentDocument, PublishContentDocument, TrainingJobByIdDocument, TrainModelDocument, UpdateConsentsDocument,
} from '../__generated__/typed-documents';
import { type Account, signUpEnterprise, signUpMember } from '../factories/accounts';
import { eventually } from '../factories/models';
import { startServer, type TestServer } from '../setup/harness';

// The walks of the "authorization on every path" probe, over HTTP with a real
// worker: another organization's model reached through every edge that leads
// to it, by every kind of caller. None may bring back a dataset name, a
// preview text, a PII count, a job, a version or its metrics.

let server: TestServer;
let worker: RunningWorker;
let victim: Account;
let attacker: Account;
let member: Account;
const tag = randomUUID().slice(0, 8);
const secret = {
  trainedName: `trained-set-${tag}`,
  cancelledName: `cancelled-set-${tag}`,
  previewText: `시크릿답변${tag}`,
};
const ids = { model: '', jobs: [] as string[], datasets: [] as string[], version: '', template: '', generated: '' };
const keys: Record<string, string> = {};

async function datasetReady(owner: Account, name: string, answer: string): Promise<string> {
  const content = ['question,answer', ...Array.from({ length: 12 }, (_, i) => `"질문 ${i} 연락처 010-1234-56${10 + i}","${answer} ${i}"`)].join('\n');
  const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name, kind: 'QA_CONVERSATION', format: 'CSV', content } }, { token: owner.token });
  const id = created.data!.createDataset.dataset.id;
  await eventually(async () => (await server.gql(DatasetByIdDocument, { id }, { token: owner.token })).data?.dataset?.status === 'READY', 'validation');
  return id;
}

const call = (query: string, variables: Record<string, unknown> = {}, who: { token?: string; apiKey?: string } = {}) =>
  server.raw({ query, variables }, who);

/**
 * Nothing of the victim's training data, jobs or versions in the whole
 * response; the walk ran (no cost or validation error) and was refused on the way.
 */
function expectNothingPrivate(body: { errors?: { extensions: { code: string } }[] }, refused = true) {
  const codes = (body.errors ?? []).map((e) => e.extensions.code);
  expect(codes.filter((code) => code !== 'FORBIDDEN' && code !== 'NOT_FOUND')).toEqual([]);
  if (refused) expect(codes.length).toBeGreaterThan(0);
  const text = JSON.stringify(body);
  for (const value of [secret.trainedName, secret.cancelledName, secret.previewText, ...ids.jobs, ...ids.datasets, ids.version]) {
    expect(text).not.toContain(value);
  }
  expect(text).not.toMatch(/"piiFindings":\[\{/);
  expect(text).not.toMatch(/"trainingExamples"/);
}

const MODEL_INTERNALS = `id name
  trainingJobs(first: 2) { id events { message } error datasets { id name piiFindings { type count } preview(limit: 5) { question answer } } }
  versions { id metrics { trainingExamples heldOutAccuracy } }
  activeVersion { id trainedOnDatasetIds }`;

beforeAll(async () => {
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  victim = await signUpEnterprise(server);
  attacker = await signUpEnterprise(server);
  member = await signUpMember(server);
  await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }] }, { token: member.token });

  const trained = await datasetReady(victim, secret.trainedName, secret.previewText);
  const cancelled = await datasetReady(victim, secret.cancelledName, secret.previewText);
  ids.datasets.push(trained, cancelled);
  ids.model = (await server.gql(CreateModelDocument, { input: { organizationId: victim.organizationId!, name: '하루코치', persona: { displayName: '하루' } } }, { token: victim.token })).data!.createModel.id;
  const job = (await server.gql(TrainModelDocument, { input: { modelId: ids.model, datasetIds: [trained] } }, { token: victim.token })).data!.trainModel.id;
  ids.jobs.push(job);
  const done = await eventually(async () => {
    const read = (await server.gql(TrainingJobByIdDocument, { id: job }, { token: victim.token })).data?.trainingJob;
    return read?.status === 'SUCCEEDED' && read;
  }, 'training');
  ids.version = (await call('query($id: ID!) { model(id: $id) { activeVersion { id } } }', { id: ids.model }, { token: victim.token })).body.data.model.activeVersion.id;
  expect(done.resultVersion).not.toBeNull();
  // A job cancelled while queued: its dataset stays READY with its preview.
  const second = (await server.gql(TrainModelDocument, { input: { modelId: ids.model, datasetIds: [cancelled] } }, { token: victim.token })).data!.trainModel.id;
  await server.gql(CancelTrainingJobDocument, { id: second }, { token: victim.token });
  ids.jobs.push(second);

  ids.template = (await server.gql(CreateMissionTemplateDocument, { input: {
    organizationId: victim.organizationId!, title: '하루 만보', description: '걷기', category: 'EXERCISE', targetValue: 10000, unit: '보', durationDays: 7, coachModelId: ids.model,
  } }, { token: victim.token })).data!.createMissionTemplate.id;
  ids.generated = (await server.gql(GenerateContentDocument, { input: { modelId: ids.model, kind: 'POST', prompt: '걷기' } }, { token: victim.token })).data!.generateContent.id;
  await server.gql(PublishContentDocument, { input: { organizationId: victim.organizationId!, title: `코치 글 ${tag}`, body: '걷기', tags: ['걷기'], generatedContentId: ids.generated } }, { token: victim.token });
  for (const scope of ['MODELS_READ', 'CONTENT_GENERATE', 'CATALOG_WRITE', 'DATASETS_WRITE'] as const) {
    keys[scope] = (await server.gql(CreateApiKeyDocument, { organizationId: victim.organizationId!, name: scope, scopes: [scope] }, { token: victim.token })).data!.createApiKey.secret;
  }
}, 60000);
afterAll(async () => {
  await worker.close();
  await server.close();
});

describe('another organization\'s model through every edge', () => {
  it('given anonymous walking missionTemplates -> coach, then the coach\'s public face and nothing else', async () => {
    // Other test files add templates too: walk the pages to the one just before ours, then ask for ours alone.
    let after: string | null = null;
    for (;;) {
      const page: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean } } = (await call('query($after: String) { missionTemplates(first: 100, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage } } }', { after })).body.data.missionTemplates;
      const at = page.edges.findIndex((e: { node: { id: string } }) => e.node.id === ids.template);
      if (at >= 0) {
        after = at === 0 ? after : page.edges[at - 1].cursor;
        break;
      }
      expect(page.pageInfo.hasNextPage).toBe(true);
      after = page.edges.at(-1)!.cursor;
    }
    const res = await call(`query($after: String) { missionTemplates(first: 1, after: $after) { edges { node { id coach { ${MODEL_INTERNALS} persona { displayName } organization { id name createdAt } } } } } }`, { after });
    const node = res.body.data?.missionTemplates.edges.map((e: { node: { id: string } }) => e.node).find((n: { id: string }) => n.id === ids.template);
    // The denied fields null the (nullable) coach; what comes back is the template, never the model's internals.
    expect(node).toBeDefined();
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(expect.arrayContaining(['FORBIDDEN']));
    expectNothingPrivate(res.body);

    const face = await call('query($after: String) { missionTemplates(first: 1, after: $after) { edges { node { id coach { id name persona { displayName } } } } } }', { after });
    expect(face.body.errors).toBeUndefined();
    const coach = face.body.data.missionTemplates.edges.find((e: { node: { id: string } }) => e.node.id === ids.template).node.coach;
    expect(coach).toEqual({ id: ids.model, name: '하루코치', persona: { displayName: '하루' } });
  });

  for (const who of ['member', 'attacker'] as const) {
    it(`given ${who === 'member' ? 'a member' : 'an enterprise user of another organization'} walking sendMessage -> conversation.model, then nothing private`, async () => {
      const token = (who === 'member' ? member : attacker).token;
      const res = await call(`mutation($m: ID!) { sendMessage(input: { modelId: $m, text: "안녕하세요" }) { conversation { id model { ${MODEL_INTERNALS} } } } }`, { m: ids.model }, { token });
      expectNothingPrivate(res.body);
      const face = await call('mutation($m: ID!) { sendMessage(input: { modelId: $m, text: "안녕" }) { conversation { model { id name persona { displayName } } } } }', { m: ids.model }, { token });
      expect(face.body.errors).toBeUndefined();
      expect(face.body.data.sendMessage.conversation.model).toEqual({ id: ids.model, name: '하루코치', persona: { displayName: '하루' } });
    });
  }

  it('given a member walking recommendations(CONTENT) -> item.model, startMission -> template.coach and checkIn -> coaching.model, then nothing private', async () => {
    const recs = await call(`{ recommendations(kind: CONTENT, limit: 50) { items { item { ... on ContentItem { id model { ${MODEL_INTERNALS} } } } } } }`, {}, { token: member.token });
    expectNothingPrivate(recs.body);
    const started = await call(`mutation($t: ID!) { startMission(templateId: $t) { id template { coach { ${MODEL_INTERNALS} } } } }`, { t: ids.template }, { token: member.token });
    expectNothingPrivate(started.body);
    const missionId = started.body.data?.startMission?.id
      ?? (await call('{ me { missions { id } } }', {}, { token: member.token })).body.data.me.missions[0].id;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date());
    const checked = await call(`mutation($m: ID!, $d: String!) { checkInMission(input: { missionId: $m, date: $d, value: 12000 }) { coaching { text model { ${MODEL_INTERNALS} } } } }`, { m: missionId, d: today }, { token: member.token });
    expectNothingPrivate(checked.body);
    // The coaching itself is the member's.
    const coaching = await call('query($m: ID!) { mission(id: $m) { coaching { text aiGenerated model { name } } } }', { m: missionId }, { token: member.token });
    expect(coaching.body.errors).toBeUndefined();
    expect(coaching.body.data.mission.coaching).toMatchObject({ aiGenerated: true, model: { name: '하루코치' } });
  });

  it('given an enterprise user of another organization asking by id, then NOT_FOUND for the model, its jobs, datasets and organization', async () => {
    const asks: [string, string][] = [
      ['query($id: ID!) { model(id: $id) { id name } }', ids.model],
      ['query($id: ID!) { trainingJob(id: $id) { id } }', ids.jobs[0]],
      ['query($id: ID!) { dataset(id: $id) { id name } }', ids.datasets[1]],
      ['query($id: ID!) { organization(id: $id) { id name } }', victim.organizationId!],
    ];
    for (const [query, id] of asks) {
      const res = await call(query, { id }, { token: attacker.token });
      expect(res.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
      expectNothingPrivate(res.body);
      expect(res.body.data).toEqual({ [Object.keys(res.body.data)[0]]: null });
    }
  });
});

describe('a partner key of the same organization, through edges outside its scope', () => {
  it('given MODELS_READ alone, then models, versions and jobs, but no dataset through TrainingJob.datasets or Organization.datasets', async () => {
    const res = await call('query($id: ID!) { model(id: $id) { trainingJobs { id datasets { id name preview { question } } } } }', { id: ids.model }, { apiKey: keys.MODELS_READ });
    expect(res.body.errors).toBeUndefined();
    const jobs = res.body.data.model.trainingJobs;
    expect(jobs.map((j: { id: string }) => j.id).sort()).toEqual([...ids.jobs].sort());
    expect(jobs.flatMap((j: { datasets: unknown[] }) => j.datasets)).toEqual([]);
    const listed = await call('query($id: ID!) { organization(id: $id) { id datasets { edges { node { name } } } } }', { id: victim.organizationId }, { apiKey: keys.MODELS_READ });
    expect(listed.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(JSON.stringify(listed.body)).not.toContain(secret.cancelledName);
    const byId = await call('query($id: ID!) { dataset(id: $id) { name } }', { id: ids.datasets[1] }, { apiKey: keys.MODELS_READ });
    expect(byId.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('given CONTENT_GENERATE alone, then generateContent answers with the model\'s public face only', async () => {
    const res = await call(`mutation($m: ID!) { generateContent(input: { modelId: $m, kind: POST, prompt: "걷기" }) { id text model { ${MODEL_INTERNALS} } } }`, { m: ids.model }, { apiKey: keys.CONTENT_GENERATE });
    expectNothingPrivate(res.body);
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toContain('FORBIDDEN');
    const face = await call('mutation($m: ID!) { generateContent(input: { modelId: $m, kind: POST, prompt: "걷기" }) { text model { id name } } }', { m: ids.model }, { apiKey: keys.CONTENT_GENERATE });
    expect(face.body.errors).toBeUndefined();
    expect(face.body.data.generateContent.model).toEqual({ id: ids.model, name: '하루코치' });
    const model = await call('query($id: ID!) { model(id: $id) { id } }', { id: ids.model }, { apiKey: keys.CONTENT_GENERATE });
    expect(model.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('given CATALOG_WRITE alone, then publishContent -> model shows the public face only', async () => {
    const res = await call(`mutation($o: ID!, $g: ID!) { publishContent(input: { organizationId: $o, title: "t", body: "b", tags: [], generatedContentId: $g }) { id model { ${MODEL_INTERNALS} } } }`,
      { o: victim.organizationId, g: ids.generated }, { apiKey: keys.CATALOG_WRITE });
    expectNothingPrivate(res.body);
    const face = await call('mutation($o: ID!, $g: ID!) { publishContent(input: { organizationId: $o, title: "t", body: "b", tags: [], generatedContentId: $g }) { model { id name } } }',
      { o: victim.organizationId, g: ids.generated }, { apiKey: keys.CATALOG_WRITE });
    expect(face.body.errors).toBeUndefined();
    expect(face.body.data.publishContent.model).toEqual({ id: ids.model, name: '하루코치' });
  });

  it('given DATASETS_WRITE, then the datasets it created and not those of the enterprise users', async () => {
    const mine = await call('mutation($o: ID!) { createDataset(input: { organizationId: $o, name: "partner-set", kind: QA_CONVERSATION, format: CSV, content: "question,answer\\n\\"a\\",\\"b\\"" }) { dataset { id name } } }',
      { o: victim.organizationId }, { apiKey: keys.DATASETS_WRITE });
    expect(mine.body.errors).toBeUndefined();
    const ownId = mine.body.data.createDataset.dataset.id;
    const read = await call('query($id: ID!) { dataset(id: $id) { id name createdBy { id } } }', { id: ownId }, { apiKey: keys.DATASETS_WRITE });
    expect(read.body.data.dataset).toEqual({ id: ownId, name: 'partner-set', createdBy: null });
    const theirs = await call('query($id: ID!) { dataset(id: $id) { id name } }', { id: ids.datasets[1] }, { apiKey: keys.DATASETS_WRITE });
    expect(theirs.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const listed = await call('query($id: ID!) { organization(id: $id) { datasets(first: 100) { edges { node { id } } } } }', { id: victim.organizationId }, { apiKey: keys.DATASETS_WRITE });
    expect(listed.body.data.organization.datasets.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ownId]);
    const complete = await call('mutation($id: ID!) { completeDatasetUpload(id: $id) { id } }', { id: ids.datasets[1] }, { apiKey: keys.DATASETS_WRITE });
    expect(complete.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('given the enterprise user of the organization, then everything is there (the walks above could have seen it)', async () => {
    const res = await call(`query($id: ID!) { model(id: $id) { ${MODEL_INTERNALS} } }`, { id: ids.model }, { token: victim.token });
    expect(res.body.errors).toBeUndefined();
    const text = JSON.stringify(res.body);
    for (const value of [secret.trainedName, secret.cancelledName, secret.previewText, ...ids.jobs, ids.version]) expect(text).toContain(value);
  });
});

import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { CancelTrainingJobDocument, CreateDatasetDocument, CreateModelDocument, DatasetUpdatedDocument, DataSubjectRequestUpdatedDocument, RejectDataSubjectRequestDocument, StartDataSubjectRequestDocument, SubmitDataSubjectRequestDocument, SignOutDocument, TrainingJobUpdatedDocument, TrainModelDocument } from '../__generated__/typed-documents';
import { Role } from '../../src/auth/roles';
import { createStaff, signUpEnterprise, signUpMember, type Account } from '../factories/accounts';
import { eventually } from '../factories/models';
import { startServer, type TestServer } from '../setup/harness';

// Two API processes' worth of servers and one worker: a client on one server hears a job that the
// worker ran, through Redis, and acts under the same rules as over HTTP.
let a: TestServer;
let b: TestServer;
let worker: RunningWorker | null = null;
const clients: Client[] = [];
beforeAll(async () => {
  a = await startServer();
  b = await startServer();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await worker?.close();
  await a.close();
  await b.close();
});

function connect(server: TestServer, connectionParams: Record<string, unknown> = {}) {
  const closed: { code: number; reason: string }[] = [];
  const client = createClient({
    url: `${server.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => closed.push({ code: (event as { code: number }).code, reason: (event as { reason: string }).reason }) },
    onNonLazyError: () => undefined,
  });
  clients.push(client);
  return { client, closed };
}

interface Received { data?: any; errors?: { message: string; extensions: { code: string } }[] }

function subscribe(client: Client, query: string, variables: Record<string, unknown>) {
  const messages: Received[] = [];
  let completed = false;
  const stop = client.subscribe({ query, variables }, {
    next: (value) => { messages.push(value as Received); },
    // A protocol error (validation) arrives as graphql-ws's error message: the formatted errors themselves.
    error: (error) => { messages.push({ errors: Array.isArray(error) ? error : [{ message: String((error as Error).message ?? error), extensions: { code: 'SOCKET' } }] }); },
    complete: () => { completed = true; },
  });
  return { messages, stop, isComplete: () => completed };
}

const bearer = (account: Account) => ({ authorization: `Bearer ${account.token}` });
const DATASET = print(DatasetUpdatedDocument);
const TRAINING = print(TrainingJobUpdatedDocument);

async function inlineDataset(owner: Account, server: TestServer) {
  const created = await server.gql(CreateDatasetDocument, {
    input: { organizationId: owner.organizationId!, name: 'live', kind: 'QA_CONVERSATION', format: 'CSV', content: 'question,answer\n"안녕?","반가워요"\n"뭐 해?","공부해요"' },
  }, { token: owner.token });
  expect(created.errors).toBeUndefined();
  return created.data!.createDataset.dataset.id;
}

describe('subscriptions over graphql-ws at /graphql', () => {
  it('given a dataset validated by a worker, then a client on another API process gets its current state, then READY', async () => {
    const owner = await signUpEnterprise(a);
    const datasetId = await inlineDataset(owner, a);
    const { client } = connect(b, bearer(owner));
    const live = subscribe(client, DATASET, { id: datasetId });
    const first = await eventually(async () => live.messages[0], 'the first message');
    expect(first).toEqual({ data: { datasetUpdated: { id: datasetId, status: 'VALIDATING', recordCount: null, qaPairCount: null } } });

    worker = await startWorker(a.app.config, { orm: a.app.orm, log: a.app.log, relayIntervalMs: 50 });
    const ready = await eventually(async () => live.messages.find((m) => m.data?.datasetUpdated?.status === 'READY'), 'READY over the socket');
    expect(ready.data.datasetUpdated).toEqual({ id: datasetId, status: 'READY', recordCount: 2, qaPairCount: 2 });
    live.stop();
  });

  it('given a training job cancelled over HTTP on one server, then its subscriber on the other hears CANCELLED', async () => {
    const owner = await signUpEnterprise(a);
    const datasetId = await inlineDataset(owner, a);
    worker ??= await startWorker(a.app.config, { orm: a.app.orm, log: a.app.log, relayIntervalMs: 50 });
    const { client } = connect(b, bearer(owner));
    const dataset = subscribe(client, DATASET, { id: datasetId });
    await eventually(async () => dataset.messages.find((m) => m.data?.datasetUpdated?.status === 'READY'), 'dataset READY');
    // A paused worker leaves the job QUEUED, so the cancel is what ends it.
    await worker.close();
    worker = null;
    const model = await a.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: 'live', persona: { displayName: '라이브', language: 'ko' } } }, { token: owner.token });
    const job = await a.gql(TrainModelDocument, { input: { modelId: model.data!.createModel.id, datasetIds: [datasetId] } }, { token: owner.token });
    const jobId = job.data!.trainModel.id;
    const live = subscribe(client, TRAINING, { id: jobId });
    await eventually(async () => live.messages[0], 'the first message');
    expect(live.messages[0].data.trainingJobUpdated).toMatchObject({ id: jobId, status: 'QUEUED' });
    await a.gql(CancelTrainingJobDocument, { id: jobId }, { token: owner.token });
    await eventually(async () => live.messages.find((m) => m.data?.trainingJobUpdated?.status === 'CANCELLED'), 'CANCELLED over the socket');
  });

  it('given a data-subject request processed by a worker, then its subject hears it move on; someone else gets NOT_FOUND', async () => {
    const member = await signUpMember(a);
    const submitted = await a.gql(SubmitDataSubjectRequestDocument, { input: { type: 'ACCESS', password: member.password } }, { token: member.token });
    expect(submitted.errors).toBeUndefined();
    const requestId = submitted.data!.submitDataSubjectRequest.id;
    const { client } = connect(b, bearer(member));
    const live = subscribe(client, print(DataSubjectRequestUpdatedDocument), { id: requestId });
    await eventually(async () => live.messages[0], 'the first message');
    expect(live.messages[0].data.dataSubjectRequestUpdated).toMatchObject({ id: requestId, type: 'ACCESS' });
    worker ??= await startWorker(a.app.config, { orm: a.app.orm, log: a.app.log, relayIntervalMs: 50 });
    await eventually(async () => live.messages.find((m) => m.data?.dataSubjectRequestUpdated?.status === 'COMPLETED'), 'COMPLETED over the socket');

    const stranger = await signUpMember(a);
    const other = connect(b, bearer(stranger));
    const refused = subscribe(other.client, print(DataSubjectRequestUpdatedDocument), { id: requestId });
    expect((await eventually(async () => refused.messages[0], 'the refusal')).errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('given a request a privacy officer handles, then its subject hears each step: taken up, then rejected', async () => {
    const member = await signUpMember(a);
    const officer = await createStaff(a, Role.PRIVACY_OFFICER);
    const submitted = await a.gql(SubmitDataSubjectRequestDocument, { input: { type: 'RECTIFICATION', password: member.password, corrections: { name: '홍길순' } } }, { token: member.token });
    expect(submitted.errors).toBeUndefined();
    const requestId = submitted.data!.submitDataSubjectRequest.id;
    const { client } = connect(b, bearer(member));
    const live = subscribe(client, print(DataSubjectRequestUpdatedDocument), { id: requestId });
    await eventually(async () => live.messages[0], 'the first message');
    expect((await a.gql(StartDataSubjectRequestDocument, { id: requestId }, { token: officer.token })).errors).toBeUndefined();
    await eventually(async () => live.messages.find((m) => m.data?.dataSubjectRequestUpdated?.status === 'IN_PROGRESS'), 'IN_PROGRESS over the socket');
    expect((await a.gql(RejectDataSubjectRequestDocument, { id: requestId, reason: '본인 확인 서류 부족' }, { token: officer.token })).errors).toBeUndefined();
    await eventually(async () => live.messages.find((m) => m.data?.dataSubjectRequestUpdated?.status === 'REJECTED'), 'REJECTED over the socket');
  });

  it('given callers the queries would refuse, then the subscriptions refuse them the same way', async () => {
    const owner = await signUpEnterprise(a);
    const datasetId = await inlineDataset(owner, a);
    const other = await signUpEnterprise(a);
    const member = await signUpMember(a);
    const expectRefused = async (params: Record<string, unknown>, code: string) => {
      const { client } = connect(b, params);
      const live = subscribe(client, DATASET, { id: datasetId });
      const message = await eventually(async () => live.messages[0], `the ${code} answer`);
      expect(message.errors?.[0].extensions.code).toBe(code);
      expect(message.data ?? null).toBeNull();
    };
    await expectRefused({}, 'UNAUTHENTICATED');
    await expectRefused(bearer(member), 'FORBIDDEN');
    await expectRefused(bearer(other), 'NOT_FOUND');
    const { client } = connect(b, bearer(owner));
    const bad = subscribe(client, 'subscription { datasetUpdated(id: "x") { id nope } }', {});
    expect((await eventually(async () => bad.messages[0], 'validation error')).errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('given a bad token, then the socket closes 4401; given a sign-out on another server, then the session\'s socket closes 4403', async () => {
    const bad = connect(b, { authorization: 'Bearer not-a-token' });
    await eventually(async () => bad.closed[0], 'the close');
    expect(bad.closed[0].code).toBe(4401);

    const owner = await signUpEnterprise(a);
    const datasetId = await inlineDataset(owner, a);
    const { client, closed } = connect(b, bearer(owner));
    const live = subscribe(client, DATASET, { id: datasetId });
    await eventually(async () => live.messages[0], 'the first message');
    await a.gql(SignOutDocument, {}, { token: owner.token });
    await eventually(async () => closed[0], 'the close after sign-out');
    expect(closed[0]).toEqual({ code: 4403, reason: 'The session ended or the API key was revoked; sign in again' });
  });
});

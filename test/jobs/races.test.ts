import { Client } from 'pg';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import {
  CancelTrainingJobDocument, CheckInMissionDocument, CompleteDatasetUploadDocument, CreateDatasetDocument, CreateMissionTemplateDocument, CreateModelDocument,
  DatasetByIdDocument, StartMissionDocument, TrainModelDocument, UpdateConsentsDocument,
} from '../__generated__/typed-documents';
import { type Account, signUpEnterprise, signUpMember } from '../factories/accounts';
import { eventually } from '../factories/models';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { seoulDate } from '../../src/modules/missions/mission-calendar';

let server: TestServer;
let company: Account;
beforeAll(async () => {
  server = await startServer();
  company = await signUpEnterprise(server);
});
afterAll(async () => {
  await server.close();
});
const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);

describe('races closed by the database', () => {
  it('given 50 same-day check-ins at once, then every one answers and the mission holds one check-in of that day', async () => {
    const member = await signUpMember(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }] }, { token: member.token });
    const template = await server.gql(CreateMissionTemplateDocument, { input: {
      organizationId: company.organizationId, title: '걷기', description: '매일 걸어요', category: 'STEPS', targetValue: 10000, unit: '걸음', durationDays: 3, coachModelId: null,
    } }, { token: company.token });
    const started = await server.gql(StartMissionDocument, { templateId: template.data!.createMissionTemplate.id }, { token: member.token });
    const missionId = started.data!.startMission.id;
    const date = seoulDate(new Date());
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => server.gql(CheckInMissionDocument, { input: { missionId, date, value: 1000 + i } }, { token: member.token })));
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const rows = await sql('select count(*)::int as n from mission_check_ins where mission_id = ? and date = ?', [missionId, date]);
    expect(rows[0].n).toBe(1);
  });

  it('given two completions of one upload at once, then both answer and one validation is queued', async () => {
    const body = 'question,answer\n"안녕","반가워요"\n';
    const created = await server.gql(CreateDatasetDocument, { input: { organizationId: company.organizationId!, name: 'twice', kind: 'QA_CONVERSATION', format: 'CSV', sizeBytes: Buffer.byteLength(body) } }, { token: company.token });
    const upload = created.data!.createDataset;
    expect((await fetch(upload.uploadUrl!, { method: 'PUT', body })).status).toBe(200);
    const [a, b] = await Promise.all([0, 1].map(() => server.gql(CompleteDatasetUploadDocument, { id: upload.dataset.id }, { token: company.token })));
    expect([...(a.errors ?? []), ...(b.errors ?? [])]).toEqual([]);
    const outbox = await sql(`select id from outbox where queue = 'dataset-validation' and payload->>'datasetId' = ?`, [upload.dataset.id]);
    expect(outbox).toHaveLength(1);
    expect((await sql('select status from datasets where id = ?', [upload.dataset.id]))[0].status).toBe('VALIDATING');
  });

  it('given a training being finished (the model row locked), when it is cancelled, then the cancel waits and answers CONFLICT: SUCCEEDED stands', async () => {
    // A worker only for the dataset's validation; the training stays QUEUED.
    const worker: RunningWorker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
    let datasetId = '';
    try {
      const created = await server.gql(CreateDatasetDocument, { input: { organizationId: company.organizationId!, name: 'qa', kind: 'QA_CONVERSATION', format: 'CSV', content: 'question,answer\n"a","b"\n' } }, { token: company.token });
      datasetId = created.data!.createDataset.dataset.id;
      await eventually(async () => (await server.gql(DatasetByIdDocument, { id: datasetId }, { token: company.token })).data?.dataset?.status === 'READY', 'validation');
    } finally {
      await worker.close();
    }
    const model = await server.gql(CreateModelDocument, { input: { organizationId: company.organizationId!, name: 'm', persona: { displayName: '하루', tone: '친근함', language: 'ko' } } }, { token: company.token });
    const modelId = model.data!.createModel.id;
    const job = await server.gql(TrainModelDocument, { input: { modelId, datasetIds: [datasetId] } }, { token: company.token });
    const jobId = job.data!.trainModel.id;

    // The finishing transaction of training.ts, held open.
    const finisher = new Client({ connectionString: server.app.config.databaseUrl });
    await finisher.connect();
    try {
      await finisher.query('begin');
      await finisher.query('select id from influencer_models where id = $1 for update', [modelId]);
      await finisher.query(`update training_jobs set status = 'SUCCEEDED', progress = 1, finished_at = now() where id = $1`, [jobId]);
      let answered = false;
      const cancel = server.gql(CancelTrainingJobDocument, { id: jobId }, { token: company.token }).finally(() => { answered = true; });
      await new Promise((r) => setTimeout(r, 400));
      expect(answered).toBe(false);
      await finisher.query('commit');
      expectError(await cancel, 'CONFLICT');
    } finally {
      await finisher.end();
    }
    const [row] = await sql('select status, cancel_requested from training_jobs where id = ?', [jobId]);
    expect(row).toEqual({ status: 'SUCCEEDED', cancel_requested: false });
  });
});

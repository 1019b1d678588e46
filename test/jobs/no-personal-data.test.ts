import { Queue } from 'bullmq';
import { QUEUES, redisConnection } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import { loadConfig } from '../../src/config';
import { Dataset } from '../../src/modules/datasets/dataset.entity';
import { ObjectKeyOwner } from '../../src/privacy/object-key.entity';
import { ObjectKeys } from '../../src/privacy/object-keys';
import { putEncrypted } from '../../src/storage/encrypted';
import {
  CreateDatasetDocument, CreateModelDocument, DatasetByIdDocument, PurgeRunsDocument, RunPurgeDocument, TrainingJobByIdDocument, TrainModelDocument,
} from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise } from '../factories/accounts';
import { eventually } from '../factories/models';
import { captureLog } from '../setup/capture';
import { startServer, type TestServer } from '../setup/harness';

// SPEC 10: logs and stored errors carry no personal data. Each job is made to fail
// on input holding these, through a driver (or parser) error that quotes them; then
// the captured log lines, the stored error columns, what BullMQ keeps in Redis and
// the GraphQL answers are searched for them.
const NAME = '박서준';
const ADDRESS = '부산광역시 해운대구 마린시티2로 38';
const STREET = '마린시티2로';
const EMAIL = 'seojun.park@example.com';
const PHONE = '010-9876-5432';
const IP = '203.0.113.77';
// Parts too: a half-blanked phone or address is still personal data.
const MARKERS = [NAME, ADDRESS, STREET, EMAIL, 'seojun', PHONE, '9876-5432', IP, '113.77'];

const { log, lines } = captureLog('debug');

let server: TestServer;
let worker: RunningWorker;
let owner: Account;
const queues = new Map<string, Queue>();
const queue = (name: string) => {
  if (!queues.has(name)) queues.set(name, new Queue(name, { connection: redisConnection(loadConfig(process.env).redisUrl) }));
  return queues.get(name)!;
};

beforeAll(async () => {
  server = await startServer({}, { log });
  worker = await startWorker(server.app.config, { orm: server.app.orm, log, relayIntervalMs: 50 });
  owner = await signUpEnterprise(server);
});
afterAll(async () => {
  await worker.close();
  for (const q of queues.values()) await q.close();
  await server.close();
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);

function expectNoMarker(what: string, value: unknown) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const marker of MARKERS) {
    if (text.includes(marker)) throw new Error(`${what} contains "${marker}": ${text.slice(0, 2000)}`);
  }
}

/** Runs the job's retries now instead of after BullMQ's backoff (2 s, 4 s, 8 s, 16 s), until `done`. */
async function retriedUntil<T>(queueName: string, done: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  return eventually(async () => {
    for (const job of await queue(queueName).getDelayed()) await job.promote().catch(() => undefined);
    return done();
  }, what, 600);
}

/** What BullMQ stored about the job relayed from the outbox row for this payload. */
async function storedJob(queueName: string, key: string, id: string) {
  const [row] = await sql(`select id from outbox where queue = ? and payload->>'${key}' = ?`, [queueName, id]);
  const job = await queue(queueName).getJob(row.id);
  return { failedReason: job!.failedReason, stacktrace: job!.stacktrace, attemptsMade: job!.attemptsMade };
}

const failuresLogged = (queueName: string) => lines.map((line) => JSON.parse(line)).filter((l) => l.msg === 'job failed' && l.queue === queueName);

const csv = (rows: [string, string][]) => ['question,answer', ...rows.map(([q, a]) => `"${q}","${a}"`)].join('\n');
const QA: [string, string][] = [
  ['배송지를 바꾸고 싶어요', `${NAME}님, ${ADDRESS}로 바꿔 드렸어요. 확인 메일은 ${EMAIL}로 보냈습니다.`],
  ['연락처 확인해 주세요', `${PHONE}로 연락드릴게요.`],
];

describe('a failing dataset validation', () => {
  it('given a driver error quoting the dataset row (a name), then neither the log, BullMQ nor the API repeats it', async () => {
    // A constraint the recorded verdict breaks: PostgreSQL refuses the update, MikroORM's message quotes the statement and the failing row.
    // (The preview itself is encrypted now; the dataset's name carries the marker.)
    await sql(`alter table datasets add constraint test_preview_without_marker check (record_count is null or name not like '%${NAME}%') not valid`);
    try {
      lines.length = 0;
      const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: `${NAME} ${ADDRESS}`, kind: 'QA_CONVERSATION', format: 'CSV', content: csv(QA) } }, { token: owner.token });
      const id = created.data!.createDataset.dataset.id;
      const dataset = await retriedUntil(QUEUES.datasetValidation, async () => {
        const d = (await server.gql(DatasetByIdDocument, { id, previewLimit: 20 }, { token: owner.token })).data?.dataset;
        return d && d.status !== 'VALIDATING' ? d : null;
      }, 'validation out of retries');

      expect(dataset.status).toBe('INVALID');
      expect(dataset.issues).toEqual([{ line: null, message: 'Validation could not finish; upload the file again' }]);
      expectNoMarker('the dataset answer', { ...dataset, name: null });
      const stored = await storedJob(QUEUES.datasetValidation, 'datasetId', id);
      expect(stored.attemptsMade).toBe(5);
      expect(stored.failedReason).toBe('Internal error (CheckConstraintViolationException)');
      expectNoMarker('BullMQ failedReason and stack', stored);

      const failures = failuresLogged(QUEUES.datasetValidation);
      expect(failures).toHaveLength(5);
      // The log still says what failed, without the values.
      expect(failures[0].err).toMatchObject({ type: 'CheckConstraintViolationException', code: '23514' });
      expect(failures[0].err.message).toMatch(/^update "datasets" set .*violates check constraint "test_preview_without_marker"$/);
      expectNoMarker('the log', lines);
    } finally {
      await sql('alter table datasets drop constraint if exists test_preview_without_marker');
    }
  });
});

describe('a failing training job', () => {
  it('given a redacted copy whose parse error quotes names, address and contacts, then the job stores only the error class', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv(QA) } }, { token: owner.token });
    const datasetId = created.data!.createDataset.dataset.id;
    await eventually(async () => (await server.gql(DatasetByIdDocument, { id: datasetId }, { token: owner.token })).data?.dataset?.status === 'READY', 'validation');
    // The copy is damaged: V8's parse error quotes the start of the line.
    const { redactedKey } = await server.app.orm.em.fork().findOneOrFail(Dataset, datasetId);
    const datasetKey = await new ObjectKeys(server.app.services.master).get(server.app.orm.em.fork(), ObjectKeyOwner.DATASET, datasetId);
    await putEncrypted(server.app.storage, redactedKey!, datasetKey, Buffer.from(`${NAME} ${ADDRESS} ${EMAIL} ${PHONE}\n`, 'utf8'));
    const model = await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '상담봇', persona: { displayName: '하루', tone: '친근함', language: 'ko' } } }, { token: owner.token });

    lines.length = 0;
    const queued = await server.gql(TrainModelDocument, { input: { modelId: model.data!.createModel.id, datasetIds: [datasetId] } }, { token: owner.token });
    const jobId = queued.data!.trainModel.id;
    const job = await retriedUntil(QUEUES.training, async () => {
      const j = (await server.gql(TrainingJobByIdDocument, { id: jobId }, { token: owner.token })).data?.trainingJob;
      return j && j.status === 'FAILED' ? j : null;
    }, 'training out of retries');

    expect(job).toMatchObject({ status: 'FAILED', attempts: 5, error: 'Internal error (SyntaxError)' });
    expectNoMarker('the training job answer', job);
    const [row] = await sql('select error, events from training_jobs where id = ?', [jobId]);
    expect(row.error).toBe('Internal error (SyntaxError)');
    expectNoMarker('training_jobs', row);
    const stored = await storedJob(QUEUES.training, 'trainingJobId', jobId);
    expect(stored.failedReason).toBe('Internal error (SyntaxError)');
    expectNoMarker('BullMQ failedReason and stack', stored);

    const failures = failuresLogged(QUEUES.training);
    expect(failures).toHaveLength(5);
    expect(failures[0].err).toMatchObject({ type: 'SyntaxError', message: expect.stringMatching(/is not valid JSON/) });
    expectNoMarker('the log', lines);
  });
});

describe('a failing purge', () => {
  it('given a database error quoting a visit (operation text, IP), then the run stores only the error class', async () => {
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    const operation = `${NAME} ${ADDRESS} ${EMAIL} ${PHONE}`;
    await sql("insert into web_visits (id, at, ip_address, operation) values (gen_random_uuid(), now() - interval '4 months', ?, ?)", [IP, operation]);
    // The database refuses to delete it, and says why with the row's values (message and detail).
    await sql(`create or replace function test_refuse_marker_delete() returns trigger language plpgsql as $$
      begin
        if old.operation like '%${NAME}%' then
          raise exception 'cannot delete the visit of % from %', old.operation, old.ip_address using detail = old.operation || ' ' || old.ip_address;
        end if;
        return old;
      end $$`);
    await sql('create trigger test_refuse_marker_delete before delete on web_visits for each row execute function test_refuse_marker_delete()');
    try {
      lines.length = 0;
      const started = await server.gql(RunPurgeDocument, {}, { token: officer.token });
      const runId = started.data!.runPurge.id;
      const run = await eventually(async () => {
        const runs = await server.gql(PurgeRunsDocument, { first: 100 }, { token: officer.token });
        const found = runs.data!.purgeRuns.edges.map((e) => e.node).find((r) => r.id === runId);
        return found && found.status !== 'RUNNING' ? found : null;
      }, 'purge');

      expect(run.status).toBe('FAILED');
      expectNoMarker('the purge run answer', run);
      const [row] = await sql('select error from purge_runs where id = ?', [runId]);
      expect(row.error).toMatch(/^Internal error \([A-Za-z]+Exception\)$/);
      const failures = failuresLogged(QUEUES.purge);
      expect(failures.length).toBeGreaterThanOrEqual(1);
      const stored = await storedJob(QUEUES.purge, 'purgeRunId', runId);
      expect(stored.failedReason).toBe(row.error);
      expectNoMarker('BullMQ failedReason and stack', stored);
      expect(failures[0].err.message).toMatch(/cannot delete the visit of/);
      expectNoMarker('the log', lines);
    } finally {
      await sql('drop trigger if exists test_refuse_marker_delete on web_visits');
      await sql('drop function if exists test_refuse_marker_delete()');
      await sql('delete from web_visits where ip_address = ?', [IP]);
    }
  });
});

// Fault: Redis stopped and started again empty (a private redis-server), with and without a worker running.
import { Queue } from 'bullmq';
import { OutboxRelay, QUEUES, redisConnection } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import {
  CreateDatasetDocument, CreateModelDocument, RunPurgeDocument, SubmitDataSubjectRequestDocument, TrainModelDocument,
} from '../__generated__/typed-documents';
import { type Account, createStaff, PASSWORD, signUpEnterprise, signUpMember } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';
import { privateRedis, type PrivateRedis, until } from './support';

let redis: PrivateRedis;
let server: TestServer;
let owner: Account;
beforeAll(async () => {
  redis = await privateRedis();
  server = await startServer({ REDIS_URL: redis.url, RECONCILE_GRACE_MS: '300', RECONCILE_INTERVAL_MS: '1000' });
  owner = await signUpEnterprise(server);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const statusOf = async (table: string, id: string) => (await sql(`select status from ${table} where id = ?`, [id]))[0]?.status as string;
const csv = 'question,answer\n"배송은 얼마나 걸리나요?","보통 2~3일 걸려요."\n"환불은요?","7일 이내 신청하세요."\n';

async function inlineDataset(): Promise<string> {
  const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token });
  expect(created.errors).toBeUndefined();
  return created.data!.createDataset.dataset.id;
}

async function schedulerIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const name of [QUEUES.maintenance, QUEUES.purge]) {
    const queue = new Queue(name, { connection: redisConnection(redis.url) });
    try {
      ids.push(...(await queue.getJobSchedulers()).map((s) => s.key));
    } finally {
      await queue.close();
    }
  }
  return ids.sort();
}

const startTestWorker = () => startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });

describe('Redis restarted empty', () => {
  it('given jobs relayed and then lost, then the reconciler queues each again once: every row ends terminal, one result each; schedulers come back on a reconnect, one each', async () => {
    const member = await signUpMember(server);
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    // A READY dataset to train on.
    let worker: RunningWorker = await startTestWorker();
    const readyId = await inlineDataset();
    await until(async () => (await statusOf('datasets', readyId)) === 'READY', 'validation');
    await worker.close();

    // Relayed but not run: a relay and no worker while the changes are made.
    const relay = new OutboxRelay(server.app.orm, redisConnection(redis.url), server.app.log);
    relay.start(50);
    const datasetId = await inlineDataset();
    const model = await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '코치', persona: { displayName: '하루', tone: '친근함', language: 'ko' } } }, { token: owner.token });
    const trained = await server.gql(TrainModelDocument, { input: { modelId: model.data!.createModel.id, datasetIds: [readyId] } }, { token: owner.token });
    const trainingId = trained.data!.trainModel.id;
    const submitted = await server.gql(SubmitDataSubjectRequestDocument, { input: { type: 'PROCESSING_STATUS_NOTICE', password: PASSWORD } }, { token: member.token });
    expect(submitted.errors).toBeUndefined();
    const requestId = submitted.data!.submitDataSubjectRequest.id;
    const purge = await server.gql(RunPurgeDocument, { dryRun: true }, { token: officer.token });
    const purgeRunId = purge.data!.runPurge.id;
    const rows = [
      { queue: QUEUES.datasetValidation, key: 'datasetId', id: datasetId, table: 'datasets', done: 'READY' },
      { queue: QUEUES.training, key: 'trainingJobId', id: trainingId, table: 'training_jobs', done: 'SUCCEEDED' },
      { queue: QUEUES.dataSubjectRequests, key: 'requestId', id: requestId, table: 'data_subject_requests', done: 'COMPLETED' },
      { queue: QUEUES.purge, key: 'purgeRunId', id: purgeRunId, table: 'purge_runs', done: 'SUCCEEDED' },
    ];
    const outboxOf = (row: (typeof rows)[number]) => sql(`select id, relayed_at from outbox where queue = ? and payload->>'${row.key}' = ? order by created_at`, [row.queue, row.id]);
    await until(async () => {
      for (const row of rows) if (!(await outboxOf(row)).every((o) => o.relayed_at)) return false;
      return true;
    }, 'relay');
    await relay.stop();
    const first = new Map<string, string>();
    for (const row of rows) first.set(row.id, (await outboxOf(row))[0].id);

    await redis.stop();
    await redis.start();
    // Gone with Redis's data: the outbox says relayed, BullMQ knows nothing.
    for (const row of rows) {
      const queue = new Queue(row.queue, { connection: redisConnection(redis.url) });
      expect(await queue.getJobState(first.get(row.id)!)).toBe('unknown');
      await queue.close();
    }
    for (const row of rows) expect(await statusOf(row.table, row.id)).not.toBe(row.done);

    worker = await startTestWorker();
    try {
      await until(async () => {
        for (const row of rows) if ((await statusOf(row.table, row.id)) !== row.done) return false;
        return true;
      }, 'every row terminal', 45_000);
      // One result each, one re-queue each (a fresh outbox row: BullMQ keeps ids it has seen).
      expect((await sql('select count(*)::int as n from model_versions where training_job_id = ?', [trainingId]))[0].n).toBe(1);
      for (const row of rows) {
        const outbox = await outboxOf(row);
        expect(outbox).toHaveLength(2);
        expect(outbox[0].id).toBe(first.get(row.id));
      }
      expect((await sql('select attempts from data_subject_requests where id = ?', [requestId]))[0].attempts).toBe(1);
      expect(await schedulerIds()).toEqual(['expire-sessions', 'purge-daily', 'reconcile']);

      // Lost again while the worker runs: a change made meanwhile waits in the outbox; the reconnect brings the schedulers back, one each.
      await redis.stop();
      const during = await inlineDataset();
      expect(await statusOf('datasets', during)).toBe('VALIDATING');
      await redis.start();
      await until(async () => (await schedulerIds()).length === 3, 'schedulers back', 30_000);
      expect(await schedulerIds()).toEqual(['expire-sessions', 'purge-daily', 'reconcile']);
      await until(async () => (await statusOf('datasets', during)) === 'READY', 'validation after the outage', 30_000);
      expect(await sql(`select id from outbox where queue = 'dataset-validation' and payload->>'datasetId' = ?`, [during])).toHaveLength(1);
    } finally {
      await worker.close();
    }
  }, 120_000);
});

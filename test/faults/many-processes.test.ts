// Many processes: two API instances and two worker processes (real children running jobs/worker.ts) on one database,
// one Redis (a private redis-server) and one bucket.
import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { QUEUES, redisConnection } from '../../jobs/queues';
import {
  CreateDatasetDocument, CreateModelDocument, GenerateContentDocument, TrainModelDocument,
} from '../__generated__/typed-documents';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';
import { kill, privateRedis, type PrivateRedis, spawnWorker, until } from './support';

let redis: PrivateRedis;
let a: TestServer;
let b: TestServer;
let owner: Account;
const workers: ChildProcess[] = [];
beforeAll(async () => {
  redis = await privateRedis();
  a = await startServer({ REDIS_URL: redis.url });
  b = await startServer({ REDIS_URL: redis.url });
  owner = await signUpEnterprise(a);
  for (let i = 0; i < 2; i += 1) workers.push(spawnWorker({ REDIS_URL: redis.url, DATABASE_URL: a.app.config.databaseUrl }));
}, 60_000);
afterAll(async () => {
  for (const child of workers) await kill(child, 'SIGTERM');
  await a?.close();
  await b?.close();
  await redis?.stop();
});

const sql = (query: string, params: unknown[] = []) => a.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const csv = (n: number) => `question,answer\n"질문 ${n}","답변 ${n}"\n"배송은요?","2일 걸려요"\n`;

describe('two APIs and two workers', () => {
  it('given jobs enqueued through both APIs, then each runs once, the schedulers exist once each, and a model trained through one API answers through the other', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const api = i % 2 ? b : a;
      const created = await api.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: `d${i}`, kind: 'QA_CONVERSATION', format: 'CSV', content: csv(i) } }, { token: owner.token });
      expect(created.errors).toBeUndefined();
      ids.push(created.data!.createDataset.dataset.id);
    }
    await until(async () => (await sql(`select count(*)::int as n from datasets where id in (?) and status = 'READY'`, [ids]))[0].n === ids.length, 'validations', 90_000, 250);

    const model = await a.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '코치', persona: { displayName: '하루', tone: '친근함', language: 'ko' } } }, { token: owner.token });
    const modelId = model.data!.createModel.id;
    const trained = await b.gql(TrainModelDocument, { input: { modelId, datasetIds: ids.slice(0, 2) } }, { token: owner.token });
    const trainingId = trained.data!.trainModel.id;
    await until(async () => (await sql('select status from training_jobs where id = ?', [trainingId]))[0].status === 'SUCCEEDED', 'training', 60_000, 250);
    const answer = await a.gql(GenerateContentDocument, { input: { modelId, kind: 'POST', prompt: '배송은요?' } }, { token: owner.token });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.generateContent.model.id).toBe(modelId);

    // Each job once: one outbox row, one completed BullMQ job per row; one version.
    const outbox = await sql(`select id from outbox where queue = 'dataset-validation' and payload->>'datasetId' in (?)`, [ids]);
    expect(outbox).toHaveLength(ids.length);
    const queue = new Queue(QUEUES.datasetValidation, { connection: redisConnection(redis.url) });
    try {
      const completed = (await queue.getJobs(['completed'])).filter((j) => ids.includes((j.data as { datasetId: string }).datasetId));
      expect(completed.map((j) => j.id).sort()).toEqual(outbox.map((o) => o.id).sort());
    } finally {
      await queue.close();
    }
    expect((await sql('select count(*)::int as n from model_versions where training_job_id = ?', [trainingId]))[0].n).toBe(1);

    const schedulers: string[] = [];
    for (const name of [QUEUES.maintenance, QUEUES.purge]) {
      const q = new Queue(name, { connection: redisConnection(redis.url) });
      schedulers.push(...(await q.getJobSchedulers()).map((s) => s.key));
      await q.close();
    }
    expect(schedulers.sort()).toEqual(['expire-sessions', 'purge-daily', 'reconcile']);
  }, 180_000);
});

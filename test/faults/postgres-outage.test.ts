// Fault: PostgreSQL (a private cluster) stopped and started again under a running API and worker.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QUEUES, redisConnection } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import {
  CreateDatasetDocument, CreateModelDocument, DatasetByIdDocument, MeDocument, ProcessorsDocument, TrainModelDocument,
} from '../__generated__/typed-documents';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';
import { privatePostgres, type PrivatePostgres, privateRedis, type PrivateRedis, until } from './support';

let pg: PrivatePostgres;
// Queues of its own: the suite's Redis holds other files' jobs, which would count among these.
let redis: PrivateRedis;
let server: TestServer;
let worker: RunningWorker;
let owner: Account;
beforeAll(async () => {
  pg = await privatePostgres('aimex_fault');
  // As the suite's setup does: in a child process (jest's realms must not share MikroORM's metadata).
  execFileSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../src/bin/prepare-db.ts')], {
    env: { ...process.env, DATABASE_URL: pg.url }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  redis = await privateRedis();
  server = await startServer({ DATABASE_URL: pg.url, REDIS_URL: redis.url });
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 100 });
  owner = await signUpEnterprise(server);
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await server?.close();
  await pg?.destroy();
  await redis?.stop();
});

const csv = 'question,answer\n"배송은 얼마나 걸리나요?","보통 2~3일 걸려요."\n';

describe('PostgreSQL stopped', () => {
  it('given PostgreSQL away, then every operation answers HTTP 500 INTERNAL_SERVER_ERROR without driver text, and API and worker recover without a restart', async () => {
    await pg.stop();
    const answers = [
      await server.gql(ProcessorsDocument, {}),
      await server.gql(MeDocument, {}, { token: owner.token }),
      await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token }),
    ];
    expect(answers.map((a) => ({ status: a.status, codes: a.errors?.map((e) => e.extensions.code) }))).toEqual(answers.map(() => ({ status: 500, codes: ['INTERNAL_SERVER_ERROR'] })));
    for (const answer of answers) expect(JSON.stringify(answer.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres|knex|select /i);
    await pg.start();

    // The API answers again, and a change made now runs through the worker (relay, listener and BullMQ all recovered).
    const created = await until(async () => {
      const result = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token });
      return result.errors ? null : result;
    }, 'the API back', 30_000, 500);
    const id = created.data!.createDataset.dataset.id;
    await until(async () => (await server.gql(DatasetByIdDocument, { id }, { token: owner.token })).data?.dataset?.status === 'READY', 'validation after the outage', 30_000);
  }, 90_000);

  it('given PostgreSQL away for 45 s while jobs run (longer than their five attempts), then every row ends in a terminal state with a clear reason once it is back', async () => {
    const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
    const ready = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'trained', kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token });
    const readyId = ready.data!.createDataset.dataset.id;
    await until(async () => (await sql('select status from datasets where id = ?', [readyId]))[0].status === 'READY', 'the first validation', 30_000);
    const model = await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '코치', persona: { displayName: '하루', language: 'ko' } } }, { token: owner.token });
    const modelId = model.data!.createModel.id;

    // The jobs are in BullMQ (relayed) but wait in paused queues, so they start only once PostgreSQL is gone.
    const queues = [QUEUES.datasetValidation, QUEUES.training].map((name) => new Queue(name, { connection: redisConnection(server.app.config.redisUrl) }));
    try {
      for (const queue of queues) await queue.pause();
      const pending: string[] = [];
      for (let i = 0; i < 2; i += 1) {
        const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: `during ${i}`, kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token });
        pending.push(created.data!.createDataset.dataset.id);
      }
      const trained = await server.gql(TrainModelDocument, { input: { modelId, datasetIds: [readyId] } }, { token: owner.token });
      expect(trained.errors).toBeUndefined();
      const trainingId = trained.data!.trainModel.id;
      await until(async () => (await sql('select count(*)::int as n from outbox where relayed_at is null'))[0].n === 0, 'relay', 30_000);
      expect(await queues[0].getWaitingCount()).toBe(2);
      expect(await queues[1].getWaitingCount()).toBe(1);

      await pg.stop();
      const stoppedAt = Date.now();
      for (const queue of queues) await queue.resume();
      // Five attempts (backoff 2 + 4 + 8 + 16 s) are spent within the outage: each job is failed for good while it lasts.
      // The outage lasts 45 s, longer if a loaded machine makes the attempts slower, so it always outlasts them.
      const counts = async () => JSON.stringify(await Promise.all(queues.map(async (q) => ({ queue: q.name, ...(await q.getJobCounts()) }))));
      await until(async () => (await queues[0].getFailedCount()) === 2 && (await queues[1].getFailedCount()) === 1, 'the attempts spent', 120_000, 500)
        .catch(async (error: Error) => { throw new Error(`${error.message}: ${await counts()}`); });
      const failed = [...await queues[0].getFailed(), ...await queues[1].getFailed()];
      expect(failed.map((j) => j.attemptsMade)).toEqual([5, 5, 5]);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 45_000 - (Date.now() - stoppedAt))));
      await pg.start();

      // The final-failure handlers waited for the database: every row reaches a terminal state, none stays VALIDATING or RUNNING.
      await until(async () => {
        const rows = await sql(`select status from datasets where id in (?)`, [pending]);
        return rows.every((r) => r.status !== 'VALIDATING');
      }, 'the datasets finished', 60_000, 500);
      const datasets = await sql(`select status, raw_key, issues from datasets where id in (?)`, [pending]);
      for (const dataset of datasets) {
        expect(dataset.status).toBe('INVALID');
        expect(dataset.raw_key).toBeNull();
        expect(dataset.issues.map((i: { message: string }) => i.message)).toContain('Validation could not finish; upload the file again');
      }
      await until(async () => (await sql('select status from training_jobs where id = ?', [trainingId]))[0].status === 'FAILED', 'the training finished', 60_000, 500);
      const [job] = await sql('select status, error from training_jobs where id = ?', [trainingId]);
      expect(job.error).toBeTruthy();
      expect(job.error).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|5432|knex|select /i);
      expect((await sql('select status from influencer_models where id = ?', [modelId]))[0].status).toBe('FAILED');
      expect((await sql('select count(*)::int as n from model_versions where training_job_id = ?', [trainingId]))[0].n).toBe(0);
      // The model can be trained again at once.
      const again = await server.gql(TrainModelDocument, { input: { modelId, datasetIds: [readyId] } }, { token: owner.token });
      expect(again.errors).toBeUndefined();
    } finally {
      for (const queue of queues) await queue.close();
    }
  }, 300_000);
});

// Fault: the worker (a real child process running jobs/worker.ts) SIGKILLed twice on the same training job.
import type { ChildProcess } from 'node:child_process';
import { train, type PersonaSpec, type TrainingRecord } from '../../src/modules/models/retrieval-model';
import { CreateDatasetDocument, CreateModelDocument, TrainModelDocument } from '../__generated__/typed-documents';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startRunPodStandIn, type RunPodStandIn } from '../models/runpod-stand-in';
import { startServer, type TestServer } from '../setup/harness';
import { kill, privateRedis, type PrivateRedis, spawnWorker, until } from './support';

let redis: PrivateRedis;
let standIn: RunPodStandIn;
let server: TestServer;
let owner: Account;
const workers: ChildProcess[] = [];
let env: Record<string, string>;
beforeAll(async () => {
  redis = await privateRedis();
  standIn = await startRunPodStandIn({ apiKey: 'test-key' });
  env = { REDIS_URL: redis.url, RUNPOD_BASE_URL: `${standIn.url}/v2/test-endpoint`, RUNPOD_API_KEY: 'test-key', RUNPOD_POLL_INTERVAL_MS: '100' };
  server = await startServer(env);
  env.DATABASE_URL = server.app.config.databaseUrl;
  owner = await signUpEnterprise(server);
}, 60_000);
afterAll(async () => {
  for (const child of workers) await kill(child);
  await server?.close();
  await standIn?.close();
  await redis?.stop();
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const job = async (id: string) => (await sql('select status, attempts, events from training_jobs where id = ?', [id]))[0] as { status: string; attempts: number; events: { message: string }[] };
const worker = () => {
  const child = spawnWorker(env);
  workers.push(child);
  return child;
};

describe('a worker killed with -9', () => {
  it('given a training whose worker is SIGKILLed twice, then another worker runs it again within 45 s each time, and it ends with one version and one RunPod job', async () => {
    let current = worker();
    const csv = 'question,answer\n"배송은 얼마나 걸리나요?","보통 2~3일 걸려요."\n"환불은요?","7일 이내 신청하세요."\n';
    const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token });
    const datasetId = created.data!.createDataset.dataset.id;
    await until(async () => (await sql('select status from datasets where id = ?', [datasetId]))[0].status === 'READY', 'validation in the child worker', 60_000);

    const model = await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '코치', persona: { displayName: '하루', tone: '친근함', language: 'ko' } } }, { token: owner.token });
    standIn.hangNext(); // RunPod keeps it IN_PROGRESS until the test completes it
    const queued = await server.gql(TrainModelDocument, { input: { modelId: model.data!.createModel.id, datasetIds: [datasetId], backend: 'RUNPOD' } }, { token: owner.token });
    const trainingId = queued.data!.trainModel.id;

    // Killed while it waits for RunPod, twice; each time a fresh worker takes the job again.
    const pickups: number[] = [];
    for (let round = 1; round <= 2; round += 1) {
      await until(async () => {
        const row = await job(trainingId);
        return row.status === 'RUNNING' && row.attempts === round && row.events.some((e) => /RunPod/.test(e.message) && e.message !== 'started') ? row : null;
      }, `attempt ${round} waiting for RunPod`, 60_000);
      await new Promise((r) => setTimeout(r, 300)); // its lock is renewed and held
      await kill(current);
      const killedAt = Date.now();
      current = worker();
      await until(async () => (await job(trainingId)).attempts === round + 1, `attempt ${round + 1} after the kill`, 45_000, 200);
      pickups.push(Date.now() - killedAt);
    }
    for (const ms of pickups) expect(ms).toBeLessThan(45_000);

    // RunPod finishes; the third worker resumes waiting for the same RunPod job and makes the version.
    const [remote] = [...standIn.jobs.values()];
    const input = remote.input as { persona: PersonaSpec; records: TrainingRecord[] };
    remote.output = train(input.records, input.persona);
    remote.status = 'COMPLETED';
    await until(async () => (await job(trainingId)).status === 'SUCCEEDED', 'training', 30_000);

    expect(standIn.jobs.size).toBe(1);
    expect(standIn.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/run'))).toHaveLength(1);
    expect((await sql('select count(*)::int as n from model_versions where training_job_id = ?', [trainingId]))[0].n).toBe(1);
    const end = await job(trainingId);
    expect(end.attempts).toBe(3);
    expect((await sql('select status from datasets where id = ?', [datasetId]))[0].status).toBe('CONSUMED');
    expect((await sql('select m.status from influencer_models m join training_jobs j on j.model_id = m.id where j.id = ?', [trainingId]))[0].status).toBe('READY');
    // eslint-disable-next-line no-console
    console.log(`picked up again after ${pickups.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' and ')}`);
  }, 180_000);
});

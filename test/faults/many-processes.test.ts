// Many processes: two API processes (src/main.ts) and two workers (jobs/worker.ts), each a real child process, on one
// database of their own (migrated by the two APIs starting at once), one Redis (a private redis-server) and one bucket.
import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { QUEUES, redisConnection } from '../../jobs/queues';
import { runCli } from '../../src/bin/cli';
import {
  CreateDatasetDocument, CreateModelDocument, GenerateContentDocument, MeDocument, ProcessorsDocument, SignInDocument,
  TrainModelDocument, UserByIdDocument, VerifyAccessLogDocument,
} from '../__generated__/typed-documents';
import { type Account, PASSWORD, signUpEnterprise, signUpMember, uniqueEmail } from '../factories/accounts';
import { type CallOptions, graphqlClient, type GraphqlClient } from '../setup/harness';
import { kill, privateRedis, type PrivateRedis, spawnApi, spawnWorker, until } from './support';

const PER_IP = 30;
const PER_IDENTITY = 40;
const databaseUrl = `${process.env.DATABASE_URL}_many`;
const databaseName = new URL(databaseUrl).pathname.slice(1);
const adminUrl = Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString();

let redis: PrivateRedis;
const children: ChildProcess[] = [];
const workers: ChildProcess[] = [];
let a: GraphqlClient;
let b: GraphqlClient;
let db: Client;

// Behind one load balancer (TRUST_PROXY): each call comes from an address of its own unless the test picks one,
// so the per-IP limit is only met where the test means to meet it.
let nextAddress = 0;
const from = (address?: string): Record<string, string> => ({ 'x-forwarded-for': address ?? `10.1.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}` });
const via = (api: GraphqlClient): GraphqlClient => ({
  ...api,
  gql: (document, variables, options: CallOptions = {}) => api.gql(document, variables, { ...options, headers: { ...from(), ...options.headers } }),
});
const sql = async (query: string, params: unknown[] = []) => (await db.query(query, params)).rows;

async function dropDatabase() {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
}

async function staff(role: 'ADMIN' | 'PRIVACY_OFFICER'): Promise<Account> {
  const email = uniqueEmail(role.toLowerCase());
  await runCli(['create-staff', '--email', email, '--password', PASSWORD, '--name', '김관리', '--phone', '010-9999-0000', '--role', role], { ...process.env, DATABASE_URL: databaseUrl });
  const signedIn = await via(a).gql(SignInDocument, { email, password: PASSWORD });
  const { accessToken, refreshToken, user } = signedIn.data!.signIn;
  return { userId: user.id, email, password: PASSWORD, token: accessToken, refreshToken, organizationId: null };
}

const started = new Date();
beforeAll(async () => {
  await dropDatabase();
  redis = await privateRedis();
  const env = {
    DATABASE_URL: databaseUrl, REDIS_URL: redis.url, TRUST_PROXY: 'true', LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_IP_PER_MINUTE: String(PER_IP), RATE_LIMIT_PER_MINUTE: String(PER_IDENTITY),
  };
  // At once, on a database that does not exist yet: one creates it, they migrate one after the other.
  const apis = await Promise.all([spawnApi(env), spawnApi(env)]);
  children.push(...apis.map((api) => api.child));
  [a, b] = apis.map((api) => via(graphqlClient(api.url)));
  db = new Client({ connectionString: databaseUrl });
  await db.connect();
  for (let i = 0; i < 2; i += 1) workers.push(spawnWorker({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url, LOG_LEVEL: 'silent' }));
}, 120_000);
afterAll(async () => {
  for (const child of [...workers, ...children]) await kill(child, 'SIGTERM');
  await db?.end();
  await redis?.stop();
  await dropDatabase();
}, 60_000);

const csv = (n: number) => `question,answer\n"질문 ${n}","답변 ${n}"\n"배송은요?","2일 걸려요"\n`;

describe('two API processes and two worker processes', () => {
  it('given two APIs started at once on a new database, then it is migrated once and both serve', async () => {
    const migrations = await sql('select name, count(*)::int as n from mikro_orm_migrations group by name');
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.filter((m) => m.n !== 1)).toEqual([]);
    for (const api of [a, b]) expect((await api.gql(ProcessorsDocument, {})).status).toBe(200);
  });

  it('given jobs enqueued through both APIs, then each runs once, the schedulers exist once each, the daily purge runs once, and a model trained through one API answers through the other', async () => {
    const owner = await signUpEnterprise(a);
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const api = i % 2 ? b : a;
      const created = await api.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: `d${i}`, kind: 'QA_CONVERSATION', format: 'CSV', content: csv(i) } }, { token: owner.token });
      expect(created.errors).toBeUndefined();
      ids.push(created.data!.createDataset.dataset.id);
    }
    await until(async () => (await sql(`select count(*)::int as n from datasets where id = any($1) and status = 'READY'`, [ids]))[0].n === ids.length, 'validations', 90_000, 250);

    const model = await a.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '코치', persona: { displayName: '하루', tone: '친근함', language: 'ko' } } }, { token: owner.token });
    const modelId = model.data!.createModel.id;
    const trained = await b.gql(TrainModelDocument, { input: { modelId, datasetIds: ids.slice(0, 2) } }, { token: owner.token });
    const trainingId = trained.data!.trainModel.id;
    await until(async () => (await sql('select status from training_jobs where id = $1', [trainingId]))[0].status === 'SUCCEEDED', 'training', 60_000, 250);
    for (const api of [a, b]) {
      const answer = await api.gql(GenerateContentDocument, { input: { modelId, kind: 'POST', prompt: '배송은요?' } }, { token: owner.token });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.generateContent.model.id).toBe(modelId);
    }

    // Each job once: one outbox row, one completed BullMQ job per row; one version.
    const outbox = await sql(`select id from outbox where queue = 'dataset-validation' and payload->>'datasetId' = any($1)`, [ids]);
    expect(outbox).toHaveLength(ids.length);
    const queue = new Queue(QUEUES.datasetValidation, { connection: redisConnection(redis.url) });
    try {
      const completed = (await queue.getJobs(['completed'])).filter((j) => ids.includes((j.data as { datasetId: string }).datasetId));
      expect(completed.map((j) => j.id).sort()).toEqual(outbox.map((o) => o.id).sort());
      expect(completed.every((j) => j.attemptsMade === 1)).toBe(true);
    } finally {
      await queue.close();
    }
    expect((await sql('select count(*)::int as n from model_versions where training_job_id = $1', [trainingId]))[0].n).toBe(1);

    const schedulers: string[] = [];
    for (const name of [QUEUES.maintenance, QUEUES.purge]) {
      const q = new Queue(name, { connection: redisConnection(redis.url) });
      schedulers.push(...(await q.getJobSchedulers()).map((s) => s.key));
      await q.close();
    }
    expect(schedulers.sort()).toEqual(['expire-sessions', 'purge-daily', 'reconcile']);
    // Both workers ensured the daily purge at start: its first run happened once, in one of them.
    await until(async () => (await sql(`select status from purge_runs where not dry_run`))[0]?.status === 'SUCCEEDED', 'the daily purge', 30_000, 250);
    expect(await sql(`select status from purge_runs where not dry_run and started_at >= $1`, [started])).toEqual([{ status: 'SUCCEEDED' }]);
  }, 180_000);

  it('given requests from one address spread over both APIs, then the per-IP limit is counted once for both', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PER_IP + 2; i += 1) {
      const answer = await (i % 2 ? b : a).gql(ProcessorsDocument, {}, { headers: from('192.0.2.7') });
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, PER_IP)).toEqual(Array(PER_IP).fill(200));
    expect(statuses.slice(PER_IP)).toEqual([429, 429]);
    // Another address is not affected.
    expect((await a.gql(ProcessorsDocument, {}, { headers: from('192.0.2.8') })).status).toBe(200);
  });

  it('given one account calling both APIs from many addresses, then the per-identity limit is counted once for both', async () => {
    const member = await signUpMember(b);
    const codes: (string | null)[] = [];
    for (let i = 0; i < PER_IDENTITY + 1; i += 1) {
      const answer = await (i % 2 ? b : a).gql(MeDocument, {}, { token: member.token });
      codes.push(answer.errors?.[0]?.extensions.code ?? (answer.data?.me?.id === member.userId ? 'OK' : null));
    }
    expect(codes.slice(0, PER_IDENTITY)).toEqual(Array(PER_IDENTITY).fill('OK'));
    expect(codes[PER_IDENTITY]).toBe('RATE_LIMITED');
  });

  it('given staff reads through both APIs at once, then every read is in the access log and its hash chain stays valid', async () => {
    const admin = await staff('ADMIN');
    const officer = await staff('PRIVACY_OFFICER');
    const member = await signUpMember(a);
    const before = (await sql(`select count(*)::int as n from access_log where subject_id = $1`, [member.userId]))[0].n;
    const reads = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a).gql(UserByIdDocument, { id: member.userId }, { token: admin.token })));
    expect(reads.map((r) => r.data?.user?.id)).toEqual(Array(12).fill(member.userId));
    const after = (await sql(`select count(*)::int as n from access_log where subject_id = $1 and actor_id = $2`, [member.userId, admin.userId]))[0].n;
    expect(after - before).toBeGreaterThanOrEqual(12);
    const verified = await b.gql(VerifyAccessLogDocument, {}, { token: officer.token });
    expect(verified.errors).toBeUndefined();
    expect(verified.data!.verifyAccessLog).toMatchObject({ valid: true, firstInvalidSequence: null });
    const total = (await sql('select count(*)::int as n from access_log'))[0].n;
    expect(verified.data!.verifyAccessLog.checkedEntries).toBe(total);
  });
});

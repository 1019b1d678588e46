// Fault: PostgreSQL (a private cluster) stopped and started again under a running API and worker.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { CreateDatasetDocument, DatasetByIdDocument, MeDocument, ProcessorsDocument } from '../__generated__/typed-documents';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';
import { privatePostgres, type PrivatePostgres, until } from './support';

let pg: PrivatePostgres;
let server: TestServer;
let worker: RunningWorker;
let owner: Account;
beforeAll(async () => {
  pg = await privatePostgres('aimex_fault');
  // As the suite's setup does: in a child process (jest's realms must not share MikroORM's metadata).
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../../src/bin/prepare-db.ts')], {
    env: { ...process.env, DATABASE_URL: pg.url }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  server = await startServer({ DATABASE_URL: pg.url });
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 100 });
  owner = await signUpEnterprise(server);
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await server?.close();
  await pg?.destroy();
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
});

// Fault: the S3 server (a private local one) stopped while a validation runs and while a dataset is created.
import { rmSync } from 'node:fs';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { loadConfig } from '../../src/config';
import { startLocalS3 } from '../../src/storage/local-s3';
import { CreateDatasetDocument } from '../__generated__/typed-documents';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';
import { freePort, until } from './support';

let port: number;
const directory = `/tmp/aimex-fault-s3-${process.pid}`;
let s3: { close(): Promise<void> } | null = null;
let server: TestServer;
let owner: Account;
const startS3 = async () => {
  s3 = await startLocalS3({ port, directory, bucket: { name: loadConfig().s3.bucket, corsXml: null } });
};
const stopS3 = async () => {
  await s3?.close();
  s3 = null;
};
beforeAll(async () => {
  port = await freePort();
  await startS3();
  server = await startServer({ S3_ENDPOINT: `http://127.0.0.1:${port}` });
  owner = await signUpEnterprise(server);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await stopS3();
  rmSync(directory, { recursive: true, force: true });
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const csv = 'question,answer\n"배송은 얼마나 걸리나요?","보통 2~3일 걸려요."\n';
const create = () => server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'faq', kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token });

describe('S3 stopped', () => {
  it('given S3 away, then creating a dataset fails with the same code as any outage and no host, port or driver text; nothing is left behind', async () => {
    await stopS3();
    try {
      const before = (await sql('select count(*)::int as n from datasets'))[0].n;
      const refused = await create();
      expect(refused.errors).toHaveLength(1);
      expect(refused.errors![0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(refused.errors)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${port}|ECONNREFUSED|localhost`));
      expect((await sql('select count(*)::int as n from datasets'))[0].n).toBe(before);
    } finally {
      await startS3();
    }
  });

  it('given S3 stopped when a validation runs, then the job retries and the dataset ends READY once S3 is back, its original gone; no job error names the host', async () => {
    const created = await create();
    const datasetId = created.data!.createDataset.dataset.id;
    await stopS3();
    let worker: RunningWorker | null = null;
    try {
      worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
      // The first attempt fails on S3; the dataset stays VALIDATING meanwhile.
      await until(async () => (await sql(`select attempts from outbox where payload->>'datasetId' = ? and relayed_at is not null`, [datasetId])).length > 0, 'relay');
      await new Promise((r) => setTimeout(r, 3000));
      expect((await sql('select status from datasets where id = ?', [datasetId]))[0].status).toBe('VALIDATING');
      await startS3();
      await until(async () => (await sql('select status from datasets where id = ?', [datasetId]))[0].status === 'READY', 'validation after S3 is back', 40_000);
      const [row] = await sql('select raw_key, issues from datasets where id = ?', [datasetId]);
      expect(row.raw_key).toBeNull();
      expect(JSON.stringify(row.issues)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    } finally {
      if (!s3) await startS3();
      await worker?.close();
    }
  }, 90_000);
});

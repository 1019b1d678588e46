import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { QUEUES, redisConnection } from '../../jobs/queues';
import { reconcile, type ReconcileDeps } from '../../jobs/reconcile.job';
import { MasterKeys } from '../../src/privacy/key-ring';
import { ObjectKeys } from '../../src/privacy/object-keys';
import { CreateDatasetDocument, SubmitDataSubjectRequestDocument } from '../__generated__/typed-documents';
import { type Account, PASSWORD, signUpEnterprise, signUpMember } from '../factories/accounts';
import { privateRedis, type PrivateRedis, until } from '../faults/support';
import { startServer, type TestServer } from '../setup/harness';

let redis: PrivateRedis;
let server: TestServer;
let owner: Account;
let deps: ReconcileDeps;
beforeAll(async () => {
  redis = await privateRedis();
  server = await startServer({ REDIS_URL: redis.url, RECONCILE_GRACE_MS: '0' });
  owner = await signUpEnterprise(server);
  const { app } = server;
  deps = {
    orm: app.orm, storage: app.storage, keys: new ObjectKeys(new MasterKeys(app.config)), log: app.log, config: app.config,
    connection: redisConnection(redis.url), dataSubjectRequests: app.services.dataSubjectRequests,
  };
});
afterAll(async () => {
  await server.close();
  await redis.stop();
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const csv = 'question,answer\n"a","b"\n';
/** A VALIDATING dataset whose outbox row was relayed a minute ago (no worker runs here). */
async function validating(): Promise<{ id: string; outboxId: string }> {
  const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'r', kind: 'QA_CONVERSATION', format: 'CSV', content: csv } }, { token: owner.token });
  const id = created.data!.createDataset.dataset.id;
  const [row] = await sql(`update outbox set relayed_at = now() - interval '1 minute' where queue = 'dataset-validation' and payload->>'datasetId' = ? returning id`, [id]);
  return { id, outboxId: row.id };
}
const outboxRows = (key: string, id: string) => sql(`select id from outbox where payload->>'${key}' = ?`, [id]);

describe('the reconciler', () => {
  it('given a dataset whose job failed for good (its handler never got through), then it ends INVALID with a reason', async () => {
    const { id, outboxId } = await validating();
    const queue = new Queue(QUEUES.datasetValidation, { connection: redisConnection(redis.url) });
    const worker = new Worker(QUEUES.datasetValidation, async () => { throw new UnrecoverableError('boom'); }, { connection: redisConnection(redis.url) });
    try {
      await queue.add(QUEUES.datasetValidation, { datasetId: id }, { jobId: outboxId, attempts: 1 });
      await until(async () => (await queue.getJobState(outboxId)) === 'failed', 'the job failing');
    } finally {
      await worker.close();
      await queue.close();
    }
    const report = await reconcile(deps);
    expect(report.failed).toBeGreaterThanOrEqual(1);
    const [row] = await sql('select status, issues from datasets where id = ?', [id]);
    expect(row.status).toBe('INVALID');
    expect(JSON.stringify(row.issues)).toContain('Validation could not finish');
  });

  it('given a dataset whose job is missing, when two reconcilers run at once, then it is queued again once, through a fresh outbox row', async () => {
    const { id, outboxId } = await validating();
    await Promise.all([reconcile(deps), reconcile(deps)]);
    const rows = await outboxRows('datasetId', id);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.id)).toContain(outboxId);
    expect((await sql('select status from datasets where id = ?', [id]))[0].status).toBe('VALIDATING');
  });

  it('given a request whose job was lost RECONCILE_MAX_REQUEUES times, then it is flagged for the officer with the reason, not queued again', async () => {
    const member = await signUpMember(server);
    const submitted = await server.gql(SubmitDataSubjectRequestDocument, { input: { type: 'PROCESSING_STATUS_NOTICE', password: PASSWORD } }, { token: member.token });
    const id = submitted.data!.submitDataSubjectRequest.id;
    for (let i = 0; i < 3; i += 1) await sql(`insert into outbox (id, queue, payload, created_at, relayed_at, attempts) values (gen_random_uuid(), 'data-subject-requests', ?::jsonb, now(), now(), 1)`, [JSON.stringify({ requestId: id })]);
    await sql(`update outbox set relayed_at = now() - interval '1 minute' where payload->>'requestId' = ?`, [id]);
    await sql(`update data_subject_requests set submitted_at = now() - interval '1 minute' where id = ?`, [id]);
    await reconcile(deps);
    const [row] = await sql('select status, failed_at, failure from data_subject_requests where id = ?', [id]);
    expect(row.status).toBe('SUBMITTED');
    expect(row.failed_at).not.toBeNull();
    expect(row.failure).toBe('The job was lost 4 times and was not queued again');
    expect(await outboxRows('requestId', id)).toHaveLength(4);
    // Flagged: the next pass leaves it to the officer.
    await reconcile(deps);
    expect(await outboxRows('requestId', id)).toHaveLength(4);
  });

  it('given an upload never completed past its link and the grace hour, then the dataset ends INVALID and its objects go', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: 'late', kind: 'QA_CONVERSATION', format: 'CSV', sizeBytes: 10 } }, { token: owner.token });
    const { id } = created.data!.createDataset.dataset;
    await sql(`update datasets set created_at = now() - interval '3 hours' where id = ?`, [id]);
    await reconcile(deps);
    const [row] = await sql('select status, upload_key, issues from datasets where id = ?', [id]);
    expect(row).toMatchObject({ status: 'INVALID', upload_key: null });
    expect(JSON.stringify(row.issues)).toContain('not completed before its link expired');
  });
});

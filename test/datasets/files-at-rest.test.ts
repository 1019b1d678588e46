import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QUEUES, redisConnection } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import { Dataset } from '../../src/modules/datasets/dataset.entity';
import { readRedactedRecords } from '../../src/modules/datasets/redacted-copy';
import { ObjectKeys } from '../../src/privacy/object-keys';
import {
  CompleteDatasetUploadDocument, CreateDatasetDocument, DatasetByIdDocument, DeleteDatasetDocument, PurgeRunsDocument, RunPurgeDocument,
  type CreateDatasetInput,
} from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise } from '../factories/accounts';
import { eventually } from '../factories/models';
import { expectError, startServer, type TestServer } from '../setup/harness';

// Issue 7: no raw upload outlives its validation, upload links are one-time,
// what stays is encrypted under the dataset's own key, and the sweep leaves no
// orphan. Over HTTP, with a real worker and the real S3 server, whose files on
// disk are read too.

let server: TestServer;
let worker: RunningWorker;
let owner: Account;
let officer: Account;
let queue: Queue;
beforeAll(async () => {
  server = await startServer({ DATASET_UPLOAD_LIMIT_BYTES: String(64 * 1024) });
  // The worker shares the server's storage, so a test can make S3 refuse a delete for both.
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50, storage: server.app.storage });
  owner = await signUpEnterprise(server);
  officer = await createStaff(server, Role.PRIVACY_OFFICER);
  queue = new Queue(QUEUES.datasetValidation, { connection: redisConnection(server.app.config.redisUrl) });
});
afterAll(async () => {
  jest.restoreAllMocks();
  await queue.close();
  await worker.close();
  await server.close();
});

// Personal data the redaction finds, and some it cannot (a name, an address).
const RRN = '900101-1234568';
const EMAIL = 'minji.kim@example.com';
const PHONE = '010-2345-6789';
const NAME = '김민지';
const ADDRESS = '서울시 강남구 테헤란로 123';
const RAW_MARKERS = [RRN, EMAIL, PHONE];
const CSV = [
  'question,answer',
  `"회원 정보 확인","${NAME}님 (${RRN}) 메일 ${EMAIL}, 전화 ${PHONE}, 주소 ${ADDRESS}"`,
  '"배송은 얼마나?","보통 2~3일 걸립니다."',
].join('\n');

const input = (overrides: Partial<CreateDatasetInput> = {}): CreateDatasetInput => ({
  organizationId: owner.organizationId!, name: 'members', kind: 'QA_CONVERSATION', format: 'CSV', ...overrides,
});
const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const row = (id: string) => server.app.orm.em.fork().findOneOrFail(Dataset, id);
const prefixOf = (id: string) => `datasets/${owner.organizationId}/${id}/`;

async function objectsOf(id: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of server.app.storage.list(prefixOf(id))) keys.push(object.key);
  return keys.sort();
}

/** The local S3 server's directory (test/setup/global-setup.ts: /tmp/aimex-test-s3-<pid of the jest process>). */
function s3Directory(): string {
  for (const pid of [process.pid, process.ppid]) {
    const dir = `/tmp/aimex-test-s3-${pid}/${server.app.config.s3.bucket}`;
    if (existsSync(dir)) return dir;
  }
  throw new Error('the local S3 directory was not found');
}

/** Every file the S3 server keeps on disk under a dataset's prefix (objects and their metadata). */
function filesOnDisk(id: string): string[] {
  const root = join(s3Directory(), prefixOf(id));
  if (!existsSync(root)) return [];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(root);
  return files;
}

function expectNoRawText(what: string, text: string) {
  for (const marker of [...RAW_MARKERS, NAME, ADDRESS]) if (text.includes(marker)) throw new Error(`${what} holds "${marker}"`);
}

async function settled(id: string) {
  return eventually(async () => {
    const dataset = (await server.gql(DatasetByIdDocument, { id, previewLimit: 20 }, { token: owner.token })).data?.dataset;
    return dataset && dataset.status !== 'VALIDATING' ? dataset : null;
  }, 'validation');
}

async function purge(dryRun = false) {
  const started = await server.gql(RunPurgeDocument, { dryRun }, { token: officer.token });
  expect(started.errors).toBeUndefined();
  const id = started.data!.runPurge.id;
  return eventually(async () => {
    const runs = await server.gql(PurgeRunsDocument, { first: 100 }, { token: officer.token });
    const run = runs.data!.purgeRuns.edges.map((e) => e.node).find((r) => r.id === id);
    return run && run.status !== 'RUNNING' ? run : null;
  }, 'purge');
}
const swept = (run: { counts: { prefix?: string | null; count: number }[] }, prefix: string) => run.counts.find((c) => c.prefix === prefix)?.count;

async function createUpload(body: string | Buffer, declared = Buffer.byteLength(body)) {
  const created = await server.gql(CreateDatasetDocument, { input: input({ sizeBytes: declared }) }, { token: owner.token });
  expect(created.errors).toBeUndefined();
  return created.data!.createDataset;
}

async function put(url: string, body: string | Buffer) {
  const response = await fetch(url, { method: 'PUT', body });
  expect(response.status).toBe(200);
}

/** The browser flow: a multipart/form-data POST of the given fields, then the file. */
async function post(upload: { uploadPostUrl?: string | null; uploadFields?: { name: string; value: string }[] | null }, body: string | Buffer) {
  const form = new FormData();
  for (const field of upload.uploadFields!) form.append(field.name, field.value);
  form.append('file', new Blob([body]), 'members.csv');
  return fetch(upload.uploadPostUrl!, { method: 'POST', body: form });
}

async function readyUpload(body = CSV) {
  const upload = await createUpload(body);
  await put(upload.uploadUrl!, body);
  const completed = await server.gql(CompleteDatasetUploadDocument, { id: upload.dataset.id }, { token: owner.token });
  expect(completed.errors).toBeUndefined();
  const dataset = await settled(upload.dataset.id);
  expect(dataset.status).toBe('READY');
  return { upload, dataset };
}

describe('the original lives only while it is validated', () => {
  it('given an upload with resident registration numbers, emails and phones, then after validation no object under the dataset, on disk or in the bucket, holds the raw text', async () => {
    const { dataset } = await readyUpload();
    expect(dataset.rawDeletedAt).not.toBeNull();
    expect(dataset.piiFindings).toEqual(expect.arrayContaining([{ type: 'RESIDENT_REGISTRATION_NUMBER', count: 1 }, { type: 'EMAIL', count: 1 }, { type: 'PHONE', count: 1 }]));

    const stored = await row(dataset.id);
    expect(stored).toMatchObject({ uploadKey: null, rawKey: null, status: 'READY' });
    // One object is left: the redacted copy, encrypted.
    expect(await objectsOf(dataset.id)).toEqual([stored.redactedKey]);
    const bytes = await server.app.storage.getBuffer(stored.redactedKey!);
    expectNoRawText('the redacted copy as stored', bytes.toString('utf8'));
    expect(bytes.toString('utf8')).not.toContain('[RRN]');
    const files = filesOnDisk(dataset.id);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expectNoRawText(file, readFileSync(file).toString('utf8'));

    // Decrypted with the dataset's key, it is the redacted text the model trains on.
    const records = [];
    for await (const record of readRedactedRecords(server.app.orm.em.fork(), server.app.storage, new ObjectKeys(server.app.services.master), stored)) records.push(record);
    expect(records[0].answer).toBe(`${NAME}님 ([RRN]) 메일 [EMAIL], 전화 [PHONE], 주소 ${ADDRESS}`);
  });

  it('given a READY dataset, then the preview is served decrypted but PostgreSQL holds no plaintext of it', async () => {
    const { dataset } = await readyUpload();
    expect(dataset.preview[0].answer).toContain(NAME);
    const [text] = await sql('select row_to_json(d)::text as text from datasets d where id = ?', [dataset.id]);
    expect(text.text).not.toContain(NAME);
    expect(text.text).not.toContain(ADDRESS);
    expect(text.text).not.toContain('[EMAIL]');
    expect(text.text).not.toContain('배송은');
  });

  it('given a crash between writing the redacted copy and deleting the original, then the next run finishes it without parsing again', async () => {
    const upload = await createUpload(CSV);
    await put(upload.uploadUrl!, CSV);
    const original = S3Refuses(/\/original-/);
    await server.gql(CompleteDatasetUploadDocument, { id: upload.dataset.id }, { token: owner.token });
    // The first run: the copy is written and the verdict recorded, then the delete fails.
    const crashed = await eventually(async () => {
      const d = await row(upload.dataset.id);
      return d.validationOutcome === 'READY' && original.refused > 0 ? d : null;
    }, 'the first run');
    expect(crashed.status).toBe('VALIDATING');
    expect(await objectsOf(upload.dataset.id)).toEqual([crashed.rawKey, crashed.redactedKey].sort());
    const copyBefore = await server.app.storage.getBuffer(crashed.redactedKey!);

    original.stop();
    for (const job of await queue.getDelayed()) await job.promote().catch(() => undefined);
    const finished = await settled(upload.dataset.id);
    expect(finished.status).toBe('READY');
    const after = await row(upload.dataset.id);
    expect(after).toMatchObject({ rawKey: null, validationOutcome: null, redactedKey: crashed.redactedKey });
    expect(await objectsOf(upload.dataset.id)).toEqual([crashed.redactedKey]);
    // The copy was not written again: the retry only deleted the original.
    expect((await server.app.storage.getBuffer(after.redactedKey!)).equals(copyBefore)).toBe(true);
  });

  it('given a validation whose job is lost after the redacted copy, then the purge sweep finishes it', async () => {
    const upload = await createUpload(CSV);
    await put(upload.uploadUrl!, CSV);
    const original = S3Refuses(/\/original-/);
    await server.gql(CompleteDatasetUploadDocument, { id: upload.dataset.id }, { token: owner.token });
    await eventually(async () => (await row(upload.dataset.id)).validationOutcome === 'READY' && original.refused > 0, 'the first run');
    // The job is gone (Redis lost it): only the sweep is left.
    const [outbox] = await sql(`select id from outbox where queue = 'dataset-validation' and payload->>'datasetId' = ?`, [upload.dataset.id]);
    await eventually(async () => (await queue.getJob(outbox.id))?.isDelayed(), 'the retry to be scheduled');
    await (await queue.getJob(outbox.id))!.remove();
    original.stop();

    const run = await purge();
    expect(run.status).toBe('SUCCEEDED');
    expect(swept(run, 'datasets/')).toBeGreaterThanOrEqual(1);
    const after = await row(upload.dataset.id);
    expect(after).toMatchObject({ status: 'READY', rawKey: null });
    expect(await objectsOf(upload.dataset.id)).toEqual([after.redactedKey]);
  });
});

describe('one-time uploads bounded by the declared size', () => {
  it('given the browser flow, then a POST of the form fields and the file is validated like a PUT', async () => {
    const upload = await createUpload(CSV);
    expect(upload.uploadPostUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/aimex-test/);
    const names = upload.uploadFields!.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['key', 'Policy', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Algorithm', 'X-Amz-Date']));
    const policy = JSON.parse(Buffer.from(upload.uploadFields!.find((f) => f.name === 'Policy')!.value, 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual(['content-length-range', 1, Buffer.byteLength(CSV)]);
    // A key of its own, fresh for this dataset.
    expect(upload.uploadFields!.find((f) => f.name === 'key')!.value).toMatch(new RegExp(`^${prefixOf(upload.dataset.id)}upload-[0-9a-f]{24}$`));

    expect((await post(upload, CSV)).status).toBe(204);
    await server.gql(CompleteDatasetUploadDocument, { id: upload.dataset.id }, { token: owner.token });
    expect((await settled(upload.dataset.id)).status).toBe('READY');
  });

  it.each([
    ['shorter', CSV.slice(0, 40)],
    ['longer (a local S3 server does not enforce the POST policy: completion does)', `${CSV}\n"extra","row"`],
  ])('given an upload %s than declared, then completion refuses it (BAD_USER_INPUT), removes it, and the dataset still awaits its upload', async (_label, body) => {
    const upload = await createUpload(CSV);
    if (body.length > CSV.length) expect((await post(upload, body)).status).toBe(204);
    else await put(upload.uploadUrl!, body);
    expectError(await server.gql(CompleteDatasetUploadDocument, { id: upload.dataset.id }, { token: owner.token }), 'BAD_USER_INPUT', 'id');
    expect(await objectsOf(upload.dataset.id)).toEqual([]);
    expect((await row(upload.dataset.id)).status).toBe('AWAITING_UPLOAD');
    // The declared file, sent again, goes through.
    await put(upload.uploadUrl!, CSV);
    await server.gql(CompleteDatasetUploadDocument, { id: upload.dataset.id }, { token: owner.token });
    expect((await settled(upload.dataset.id)).status).toBe('READY');
  });

  it('given a PUT and a POST through the links after completion, then nothing that is used changes and the sweep removes what they wrote', async () => {
    const { upload, dataset } = await readyUpload();
    const before = await row(dataset.id);
    const copyBefore = await server.app.storage.getBuffer(before.redactedKey!);
    const evil = 'question,answer\n"q","unvalidated 800101-1234567"';
    await put(upload.uploadUrl!, evil);
    expect((await post(upload, evil)).status).toBe(204);
    // Written under the old upload name, which nothing reads.
    expect(await objectsOf(dataset.id)).toHaveLength(2);
    const after = await settled(dataset.id);
    expect(after).toMatchObject({ status: 'READY', checksumSha256: dataset.checksumSha256, preview: dataset.preview });
    expect((await server.app.storage.getBuffer(before.redactedKey!)).equals(copyBefore)).toBe(true);
    expectError(await server.gql(CompleteDatasetUploadDocument, { id: dataset.id }, { token: owner.token }), 'CONFLICT');

    const dry = await purge(true);
    expect(swept(dry, 'datasets/')).toBeGreaterThanOrEqual(1);
    expect(await objectsOf(dataset.id)).toHaveLength(2);
    await purge();
    expect(await objectsOf(dataset.id)).toEqual([before.redactedKey]);
  });

  it('given a PUT through the link after deletion, then it is never used and the sweep removes it', async () => {
    const { upload, dataset } = await readyUpload();
    expect((await server.gql(DeleteDatasetDocument, { id: dataset.id }, { token: owner.token })).data!.deleteDataset.status).toBe('DELETED');
    expect(await objectsOf(dataset.id)).toEqual([]);
    await put(upload.uploadUrl!, CSV);
    expect(await objectsOf(dataset.id)).toHaveLength(1);
    const run = await purge();
    expect(swept(run, 'datasets/')).toBeGreaterThanOrEqual(1);
    expect(await objectsOf(dataset.id)).toEqual([]);
    expect(filesOnDisk(dataset.id).filter((f) => f.endsWith('._S3rver_object'))).toEqual([]);
  });
});

describe('keys of their own, destroyed with the dataset', () => {
  it('given a delete that S3 fails, then the dataset key is destroyed at once (its remaining bytes are unreadable) and the sweep removes them', async () => {
    const { dataset } = await readyUpload();
    const before = await row(dataset.id);
    const keys = new ObjectKeys(server.app.services.master);
    const refusal = S3Refuses(/\/redacted-/);
    const deleted = await server.gql(DeleteDatasetDocument, { id: dataset.id }, { token: owner.token });
    refusal.stop();
    expect(deleted.data!.deleteDataset.status).toBe('DELETED');
    // The copy survived the failed delete and stays named on the row, but nothing can read it.
    expect(await objectsOf(dataset.id)).toEqual([before.redactedKey]);
    expect((await row(dataset.id)).redactedKey).toBe(before.redactedKey);
    const [key] = await sql('select wrapped_key, destroyed_at from object_keys where id = ?', [dataset.id]);
    expect(key.wrapped_key).toBeNull();
    expect(key.destroyed_at).not.toBeNull();
    const read = async () => {
      for await (const _record of readRedactedRecords(server.app.orm.em.fork(), server.app.storage, keys, before)) return;
    };
    await expect(read()).rejects.toThrow(/destroyed/);
    expect((await server.gql(DatasetByIdDocument, { id: dataset.id, previewLimit: 5 }, { token: owner.token })).data!.dataset!.preview).toEqual([]);

    await purge();
    expect(await objectsOf(dataset.id)).toEqual([]);
    expect((await row(dataset.id)).redactedKey).toBeNull();
  });

  it('given two datasets, then each has its own key: one copy does not decrypt under the other', async () => {
    const a = await readyUpload();
    const b = await readyUpload();
    const [rowA, rowB] = [await row(a.dataset.id), await row(b.dataset.id)];
    const keys = await sql("select id, wrapped_key from object_keys where owner = 'DATASET' and id in (?, ?)", [rowA.id, rowB.id]);
    expect(keys).toHaveLength(2);
    expect(keys[0].wrapped_key.equals(keys[1].wrapped_key)).toBe(false);
    // B's copy put under A's name fails to decrypt (A's key, and A's name in the associated data).
    await server.app.storage.put(rowA.redactedKey!, await server.app.storage.getBuffer(rowB.redactedKey!));
    const read = async () => {
      for await (const _record of readRedactedRecords(server.app.orm.em.fork(), server.app.storage, new ObjectKeys(server.app.services.master), rowA)) return;
    };
    await expect(read()).rejects.toThrow(/cannot be decrypted/);
  });
});

describe('the sweep', () => {
  it('given objects no row owns under every prefix, then a run removes those past the grace period, keeps what rows own, and a legal hold keeps a held dataset', async () => {
    const { dataset } = await readyUpload();
    const stray = `${prefixOf(dataset.id)}stray-object`;
    await server.app.storage.put(stray, 'x');
    const unknownDataset = `datasets/${owner.organizationId}/00000000-0000-4000-8000-000000000001/upload-abc`;
    await server.app.storage.put(unknownDataset, 'x');
    const strayModel = `models/${owner.organizationId}/00000000-0000-4000-8000-000000000002/00000000-0000-4000-8000-000000000003.artifact`;
    await server.app.storage.put(strayModel, 'x');
    const run = await purge();
    expect(swept(run, 'models/')).toBeGreaterThanOrEqual(1);
    expect(swept(run, 'exports/')).toBe(0);
    expect(await server.app.storage.size(stray)).toBeNull();
    expect(await server.app.storage.size(strayModel)).toBeNull();
    // No row at all: it may be a row not committed yet, so it waits out the grace period.
    expect(await server.app.storage.size(unknownDataset)).not.toBeNull();
    expect(await objectsOf(dataset.id)).toEqual([(await row(dataset.id)).redactedKey]);
    await server.app.storage.delete(unknownDataset);

    // Held: a deleted dataset's leftovers stay while its creator is under a legal hold.
    const { dataset: held } = await readyUpload();
    const heldCopy = (await row(held.id)).redactedKey!;
    const hold = await sql("insert into legal_holds (id, subject_id, reason, created_at) values (gen_random_uuid(), ?, 'dispute', now()) returning id", [owner.userId]);
    const refusal = S3Refuses(/\/redacted-/);
    await server.gql(DeleteDatasetDocument, { id: held.id }, { token: owner.token });
    refusal.stop();
    await purge();
    expect(await objectsOf(held.id)).toEqual([heldCopy]);
    await sql('update legal_holds set released_at = now() where id = ?', [hold[0].id]);
    await purge();
    expect(await objectsOf(held.id)).toEqual([]);
  });
});

/** Makes S3 refuse deletes of matching names (for the server and the worker, which share the storage) until stopped. */
function S3Refuses(pattern: RegExp) {
  const storage = server.app.storage;
  const real = storage.delete.bind(storage);
  const state = { refused: 0, stop: () => spy.mockRestore() };
  const spy = jest.spyOn(storage, 'delete').mockImplementation(async (key: string) => {
    if (pattern.test(key)) {
      state.refused += 1;
      throw Object.assign(new Error('S3 is unavailable'), { name: 'ServiceUnavailable' });
    }
    return real(key);
  });
  return state;
}

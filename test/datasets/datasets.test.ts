import { createHash } from 'node:crypto';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import { Dataset } from '../../src/modules/datasets/dataset.entity';
import { readRedactedRecords } from '../../src/modules/datasets/redacted-copy';
import { ObjectKeys } from '../../src/privacy/object-keys';
import {
  CompleteDatasetUploadDocument, CreateApiKeyDocument, CreateDatasetDocument, DatasetByIdDocument, DeleteDatasetDocument,
  OrganizationDatasetsDocument, type CreateDatasetInput,
} from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let worker: RunningWorker;
let owner: Account;
beforeAll(async () => {
  server = await startServer({ DATASET_UPLOAD_LIMIT_BYTES: String(64 * 1024) });
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  owner = await signUpEnterprise(server);
});
afterAll(async () => {
  await worker.close();
  await server.close();
});

const input = (overrides: Partial<CreateDatasetInput> = {}): CreateDatasetInput => ({
  organizationId: owner.organizationId!, name: 'FAQ', kind: 'QA_CONVERSATION', format: 'CSV', ...overrides,
});

async function settled(id: string, token = owner.token) {
  for (let i = 0; i < 200; i += 1) {
    const result = await server.gql(DatasetByIdDocument, { id, previewLimit: 20 }, { token });
    const dataset = result.data?.dataset;
    if (dataset && dataset.status !== 'VALIDATING') return dataset;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('validation did not finish');
}

/** Every object under the dataset's prefix, from the bucket listing. */
async function objectsOf(id: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of server.app.storage.list(`datasets/${owner.organizationId}/${id}/`)) keys.push(object.key);
  return keys;
}

const CSV = [
  'question,answer',
  '"배송은 얼마나 걸리나요?","보통 2~3일 걸립니다. 문의는 help@aimex.example 로 주세요."',
  '환불 되나요?,"네, 7일 이내 가능합니다. 담당자 010-1234-5678"',
  'only question,',
].join('\n');

describe('inline datasets', () => {
  it('given CSV content with personal data, then validation counts, redacts and keeps a redacted copy; the model never sees the original', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ content: CSV }) }, { token: owner.token });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createDataset).toMatchObject({ uploadUrl: null, dataset: { status: 'VALIDATING', sizeBytes: Buffer.byteLength(CSV) } });
    const dataset = await settled(created.data!.createDataset.dataset.id);
    expect(dataset).toMatchObject({ status: 'READY', recordCount: 2, qaPairCount: 2, checksumSha256: createHash('sha256').update(CSV).digest('hex') });
    expect(dataset.piiFindings).toEqual(expect.arrayContaining([{ type: 'EMAIL', count: 1 }, { type: 'PHONE', count: 1 }]));
    expect(dataset.issues).toEqual([expect.objectContaining({ line: 4 })]);
    expect(dataset.preview.map((r) => r.answer)).toEqual(['보통 2~3일 걸립니다. 문의는 [EMAIL] 로 주세요.', '네, 7일 이내 가능합니다. 담당자 [PHONE]']);
    expect(dataset.createdBy).toEqual({ id: owner.userId });

    // The original is gone; what stays is the redacted copy, encrypted under the dataset's key.
    const objects = await objectsOf(dataset.id);
    expect(objects).toEqual([expect.stringMatching(/\/redacted-[0-9a-f]+$/)]);
    const row = await server.app.orm.em.fork().findOneOrFail(Dataset, dataset.id);
    expect(row).toMatchObject({ rawKey: null, uploadKey: null, redactedKey: objects[0] });
    const stored = await server.app.storage.getBuffer(objects[0]);
    expect(stored.subarray(0, 4).toString('ascii')).toBe('AXS1');
    expect(stored.toString('utf8')).not.toContain('배송은');
    const records = [];
    for await (const record of readRedactedRecords(server.app.orm.em.fork(), server.app.storage, new ObjectKeys(server.app.services.master), row)) records.push(record);
    expect(records[0]).toEqual({ question: '배송은 얼마나 걸리나요?', answer: '보통 2~3일 걸립니다. 문의는 [EMAIL] 로 주세요.' });
    expect(JSON.stringify(records)).not.toMatch(/help@aimex\.example|010-1234-5678/);
  });

  it('given a QA_CONVERSATION set with no QA pair, then INVALID with an issue and its files destroyed', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ format: 'TXT', content: '그냥 문단입니다.\n\n또 다른 문단.' }) }, { token: owner.token });
    const dataset = await settled(created.data!.createDataset.dataset.id);
    expect(dataset.status).toBe('INVALID');
    expect(dataset.recordCount).toBe(2);
    expect(dataset.qaPairCount).toBe(0);
    expect(dataset.issues.map((i) => i.message).join(' ')).toMatch(/question-answer pair/);
    expect(dataset.rawDeletedAt).not.toBeNull();
    expect(await objectsOf(dataset.id)).toEqual([]);
  });

  it('given the same text as GENERAL_TEXT, then READY with text records', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ kind: 'GENERAL_TEXT', format: 'TXT', content: '그냥 문단입니다.\n\n또 다른 문단.' }) }, { token: owner.token });
    const dataset = await settled(created.data!.createDataset.dataset.id);
    expect(dataset).toMatchObject({ status: 'READY', recordCount: 2, qaPairCount: 0 });
    expect(dataset.preview).toEqual([{ question: null, answer: null, text: '그냥 문단입니다.' }, { question: null, answer: null, text: '또 다른 문단.' }]);
  });

  it('given malformed JSON, then INVALID with the line of the error', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ format: 'JSON', content: '[\n {"question": "a", "answer": "b"},\n {"question": \n' }) }, { token: owner.token });
    const dataset = await settled(created.data!.createDataset.dataset.id);
    expect(dataset.status).toBe('INVALID');
    expect(dataset.issues[0].line).toEqual(expect.any(Number));
  });

  it.each([
    ['blank content', { content: '   ' }, 'BAD_USER_INPUT', 'content'],
    ['content and sizeBytes', { content: 'a', sizeBytes: 10 }, 'BAD_USER_INPUT', 'content'],
    ['a blank name', { name: ' ', content: 'q,a' }, 'BAD_USER_INPUT', 'name'],
    ['a zero size', { sizeBytes: 0 }, 'BAD_USER_INPUT', 'sizeBytes'],
  ])('given %s, then %s and no dataset', async (_label, overrides, code, field) => {
    const before = await server.gql(OrganizationDatasetsDocument, { id: owner.organizationId! }, { token: owner.token });
    expectError(await server.gql(CreateDatasetDocument, { input: input(overrides) }, { token: owner.token }), code, field);
    const after = await server.gql(OrganizationDatasetsDocument, { id: owner.organizationId! }, { token: owner.token });
    expect(after.data!.organization!.datasets.totalCount).toBe(before.data!.organization!.datasets.totalCount);
  });

  it('given inline content over 1 MiB or a declared size over the limit, then PAYLOAD_TOO_LARGE', async () => {
    expectError(await server.gql(CreateDatasetDocument, { input: input({ content: 'x'.repeat(1024 * 1024 + 1) }) }, { token: owner.token }), 'PAYLOAD_TOO_LARGE');
    expectError(await server.gql(CreateDatasetDocument, { input: input({ sizeBytes: 64 * 1024 + 1 }) }, { token: owner.token }), 'PAYLOAD_TOO_LARGE');
  });
});

describe('uploads through a pre-signed URL', () => {
  async function upload(body: string | Buffer, format: CreateDatasetInput['format'] = 'JSONL') {
    const created = await server.gql(CreateDatasetDocument, { input: input({ format, sizeBytes: Buffer.byteLength(body) }) }, { token: owner.token });
    expect(created.errors).toBeUndefined();
    const { uploadUrl, uploadExpiresAt, dataset } = created.data!.createDataset;
    expect(dataset.status).toBe('AWAITING_UPLOAD');
    expect(new Date(uploadExpiresAt!).getTime()).toBeGreaterThan(Date.now());
    const put = await fetch(uploadUrl!, { method: 'PUT', body });
    expect(put.status).toBe(200);
    return dataset.id;
  }

  it('given a JSONL upload, when completed, then it is validated to READY', async () => {
    const body = ['{"question":"주문 취소는?","answer":"마이페이지에서 가능합니다."}', '{"messages":[{"role":"user","content":"안녕"},{"role":"assistant","content":"안녕하세요!"}]}'].join('\n');
    const id = await upload(body);
    const completed = await server.gql(CompleteDatasetUploadDocument, { id }, { token: owner.token });
    expect(completed.data!.completeDatasetUpload).toMatchObject({ status: 'VALIDATING', sizeBytes: Buffer.byteLength(body) });
    expect(await settled(id)).toMatchObject({ status: 'READY', recordCount: 2, qaPairCount: 2 });
    expectError(await server.gql(CompleteDatasetUploadDocument, { id }, { token: owner.token }), 'CONFLICT');
  });

  it('given invalid UTF-8, then INVALID with the line', async () => {
    const id = await upload(Buffer.concat([Buffer.from('{"text":"ok"}\n{"text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
    await server.gql(CompleteDatasetUploadDocument, { id }, { token: owner.token });
    const dataset = await settled(id);
    expect(dataset.status).toBe('INVALID');
    expect(dataset.issues[0]).toMatchObject({ line: 2 });
  });

  it('given completion before anything was uploaded, then BAD_USER_INPUT and the dataset still awaits its upload', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ sizeBytes: 10 }) }, { token: owner.token });
    const id = created.data!.createDataset.dataset.id;
    expectError(await server.gql(CompleteDatasetUploadDocument, { id }, { token: owner.token }), 'BAD_USER_INPUT');
    expect((await server.gql(DatasetByIdDocument, { id }, { token: owner.token })).data!.dataset!.status).toBe('AWAITING_UPLOAD');
  });

  it('given an upload larger than the limit, then PAYLOAD_TOO_LARGE, the object is removed and the dataset still awaits a proper upload', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ sizeBytes: 100 }) }, { token: owner.token });
    const { uploadUrl, dataset } = created.data!.createDataset;
    await fetch(uploadUrl!, { method: 'PUT', body: 'x'.repeat(64 * 1024 + 1) });
    expectError(await server.gql(CompleteDatasetUploadDocument, { id: dataset.id }, { token: owner.token }), 'PAYLOAD_TOO_LARGE');
    expect(await objectsOf(dataset.id)).toEqual([]);
    expect((await server.gql(DatasetByIdDocument, { id: dataset.id }, { token: owner.token })).data!.dataset!.status).toBe('AWAITING_UPLOAD');
  });
});

describe('deleteDataset', () => {
  it('given a READY dataset, when deleted, then its files are gone and it stays as DELETED evidence', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ content: CSV }) }, { token: owner.token });
    const id = created.data!.createDataset.dataset.id;
    await settled(id);
    const deleted = await server.gql(DeleteDatasetDocument, { id }, { token: owner.token });
    expect(deleted.data!.deleteDataset.status).toBe('DELETED');
    expect(deleted.data!.deleteDataset.rawDeletedAt).not.toBeNull();
    expect(await objectsOf(id)).toEqual([]);
    const after = await server.gql(DatasetByIdDocument, { id }, { token: owner.token });
    expect(after.data!.dataset!.preview).toEqual([]);
  });
});

describe('who may', () => {
  it('given other callers, then NOT_FOUND, FORBIDDEN or UNAUTHENTICATED as SPEC 1 says, and partner keys act by scope', async () => {
    const created = await server.gql(CreateDatasetDocument, { input: input({ content: CSV }) }, { token: owner.token });
    const id = created.data!.createDataset.dataset.id;
    await settled(id);
    const stranger = await signUpEnterprise(server);
    const member = await signUpMember(server);
    const admin = await createStaff(server, Role.ADMIN);

    expectError(await server.gql(DatasetByIdDocument, { id }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(DatasetByIdDocument, { id: 'not-a-uuid' }, { token: owner.token }), 'NOT_FOUND');
    expectError(await server.gql(DatasetByIdDocument, { id }, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(DatasetByIdDocument, { id }), 'UNAUTHENTICATED');
    expectError(await server.gql(CreateDatasetDocument, { input: input({ content: CSV }) }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(DeleteDatasetDocument, { id }, { token: stranger.token }), 'NOT_FOUND');

    // Staff read any dataset but write none.
    expect((await server.gql(DatasetByIdDocument, { id }, { token: admin.token })).data!.dataset!.id).toBe(id);
    expectError(await server.gql(CreateDatasetDocument, { input: input({ content: CSV }) }, { token: admin.token }), 'FORBIDDEN');
    expectError(await server.gql(DeleteDatasetDocument, { id }, { token: admin.token }), 'FORBIDDEN');

    const key = async (scopes: ('DATASETS_WRITE' | 'MODELS_READ')[]) =>
      (await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'k', scopes }, { token: owner.token })).data!.createApiKey.secret;
    const writer = await key(['DATASETS_WRITE']);
    const reader = await key(['MODELS_READ']);
    const byPartner = await server.gql(CreateDatasetDocument, { input: input({ content: CSV }) }, { apiKey: writer });
    expect(byPartner.errors).toBeUndefined();
    const partnerSet = await settled(byPartner.data!.createDataset.dataset.id, owner.token);
    expect(partnerSet.createdBy).toBeNull();
    expectError(await server.gql(CreateDatasetDocument, { input: input({ content: CSV }) }, { apiKey: reader }), 'FORBIDDEN');
    expectError(await server.gql(DeleteDatasetDocument, { id }, { apiKey: writer }), 'FORBIDDEN');
  });

  it('given a status filter and small pages, then the organization lists its datasets', async () => {
    const other = await signUpEnterprise(server);
    const make = async (content: string, kind: CreateDatasetInput['kind']) => {
      const r = await server.gql(CreateDatasetDocument, { input: { organizationId: other.organizationId!, name: 'x', kind, format: 'TXT', content } }, { token: other.token });
      return settled(r.data!.createDataset.dataset.id, other.token);
    };
    await make('Q: 가격은?\nA: 만원입니다.', 'QA_CONVERSATION');
    await make('문단', 'QA_CONVERSATION');
    await make('Q: 색상은?\nA: 두 가지입니다.', 'QA_CONVERSATION');
    const ready = await server.gql(OrganizationDatasetsDocument, { id: other.organizationId!, status: 'READY', first: 1 }, { token: other.token });
    expect(ready.data!.organization!.datasets.totalCount).toBe(2);
    expect(ready.data!.organization!.datasets.pageInfo.hasNextPage).toBe(true);
    const next = await server.gql(OrganizationDatasetsDocument, { id: other.organizationId!, status: 'READY', first: 1, after: ready.data!.organization!.datasets.pageInfo.endCursor }, { token: other.token });
    expect(next.data!.organization!.datasets.edges).toHaveLength(1);
    expect(next.data!.organization!.datasets.pageInfo.hasNextPage).toBe(false);
    const invalid = await server.gql(OrganizationDatasetsDocument, { id: other.organizationId!, status: 'INVALID' }, { token: other.token });
    expect(invalid.data!.organization!.datasets.totalCount).toBe(1);
  });
});

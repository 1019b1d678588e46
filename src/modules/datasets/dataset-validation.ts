import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { open, seal } from '../../privacy/cipher';
import { ObjectKeyOwner } from '../../privacy/object-key.entity';
import type { KeyShredder, ObjectKeys } from '../../privacy/object-keys';
import { putEncrypted } from '../../storage/encrypted';
import type { Storage } from '../../storage/storage';
import { Dataset, DatasetKind, DatasetStatus, type StoredRecord } from './dataset.entity';
import { datasetObjectKey } from './dataset-objects';
import type { RedactionPool } from './redaction-pool';
import type { Redacted } from './redaction-thread';

export const PREVIEW_RECORDS = 20;

const previewAad = (datasetId: string) => `dataset-preview:${datasetId}`;

export const sealPreview = (key: Buffer, datasetId: string, records: StoredRecord[]): Buffer | null =>
  (records.length ? seal(key, Buffer.from(JSON.stringify(records), 'utf8'), previewAad(datasetId)) : null);

export const openPreview = (key: Buffer, datasetId: string, sealed: Buffer): StoredRecord[] =>
  JSON.parse(open(key, sealed, previewAad(datasetId)).toString('utf8')) as StoredRecord[];

/**
 * Validates a dataset in two recorded steps, so a crash between them is
 * finished by the next run (or the purge's sweep) instead of leaving an
 * original behind:
 *
 * 1. stream the server-side original once (hash, parse, redact) into the
 *    redacted copy, encrypted under the dataset's own key as it streams, and
 *    record the verdict (counts, issues, the sealed preview, READY or
 *    INVALID) while the dataset is still VALIDATING;
 * 2. delete the original (a failed delete fails the job, which is retried),
 *    and only then let the dataset become READY or INVALID. An INVALID
 *    dataset's copy and key are destroyed with it.
 *
 * The model only ever sees the redacted copy. Idempotent: a dataset no longer
 * VALIDATING is left alone, and a retry after step 1 only does step 2.
 */
export async function validateDataset(orm: MikroORM, storage: Storage, keys: ObjectKeys, redactor: RedactionPool, datasetId: string): Promise<DatasetStatus | null> {
  const em = orm.em.fork();
  const dataset = await em.findOne(Dataset, datasetId);
  if (!dataset || dataset.status !== DatasetStatus.VALIDATING) return null;
  if (!dataset.validationOutcome) await redactOriginal(em, storage, keys, redactor, dataset);
  await finishValidation(em, storage, keys, dataset);
  return dataset.status;
}

async function redactOriginal(em: EntityManager, storage: Storage, keys: ObjectKeys, redactor: RedactionPool, dataset: Dataset): Promise<void> {
  if (!dataset.rawKey) {
    recordInvalid(dataset, 'The uploaded file is missing; upload it again');
    await em.flush();
    return;
  }
  const key = await keys.obtain(em, ObjectKeyOwner.DATASET, dataset.id);
  // Named on the row before a byte is written: the sweep never sees it unowned, and a retry rewrites the same object.
  if (!dataset.redactedKey) {
    dataset.redactedKey = datasetObjectKey(dataset, 'redacted');
    await em.flush();
  }

  const hash = createHash('sha256');
  let size = 0;
  let readToEnd = false;
  const body = await storage.stream(dataset.rawKey);
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      hash.update(buffer);
      size += buffer.length;
      yield buffer;
    }
    readToEnd = true;
  }

  const out = new PassThrough();
  const uploaded = putEncrypted(storage, dataset.redactedKey, key, out);
  // Awaited below; a failed upload also ends the redaction, which would otherwise wait for a drain that never comes.
  uploaded.catch((error: Error) => out.destroy(error));
  let redacted: Redacted;
  try {
    redacted = await redactor.redact({ format: dataset.format, source: hashed(), out, previewRecords: PREVIEW_RECORDS });
  } catch (error) {
    out.destroy(error as Error);
    throw error;
  }
  out.end();
  await uploaded;
  const { summary, pii, preview } = redacted;

  const issues = [...summary.issues];
  let issueCount = summary.issueCount;
  // First, so the reason survives the 100-issue cap.
  const invalidBecause = (message: string) => {
    issues.unshift({ line: null, message, fatal: true });
    issueCount += 1;
  };
  if (!summary.malformed && summary.records === 0) invalidBecause('The file holds no records');
  else if (!summary.malformed && dataset.kind === DatasetKind.QA_CONVERSATION && summary.qaPairs === 0) invalidBecause('A QA_CONVERSATION dataset needs at least one question-answer pair');
  const invalid = summary.malformed || issues.some((i) => i.fatal);

  // A parse stopped by a fatal issue has not read the whole file: no checksum then.
  dataset.checksumSha256 = readToEnd ? hash.digest('hex') : null;
  if (readToEnd) dataset.sizeBytes = size;
  dataset.recordCount = summary.records;
  dataset.qaPairCount = summary.qaPairs;
  dataset.issues = issues.slice(0, 100).map(({ line, message }) => ({ line, message }));
  dataset.issueCount = issueCount;
  dataset.piiCounts = pii;
  dataset.previewEnc = invalid ? null : sealPreview(key, dataset.id, preview);
  dataset.validationOutcome = invalid ? DatasetStatus.INVALID : DatasetStatus.READY;
  await em.flush();
}

function recordInvalid(dataset: Dataset, message: string): void {
  dataset.issues = [...dataset.issues, { line: null, message }];
  dataset.issueCount += 1;
  dataset.previewEnc = null;
  dataset.validationOutcome = DatasetStatus.INVALID;
}

/**
 * Step 2: the original goes, then the verdict becomes the status. Throws when
 * S3 refuses a delete: the dataset stays VALIDATING with its keys, and the
 * job's retry, the last-retry handler or the sweep runs this again.
 */
export async function finishValidation(em: EntityManager, storage: Storage, keys: KeyShredder, dataset: Dataset): Promise<void> {
  if (dataset.status !== DatasetStatus.VALIDATING || !dataset.validationOutcome) return;
  if (dataset.rawKey) {
    await storage.delete(dataset.rawKey);
    dataset.rawKey = null;
    dataset.rawDeletedAt ??= new Date();
    await em.flush();
  }
  if (dataset.validationOutcome === DatasetStatus.INVALID) {
    // Nothing can use it, and it may hold what redaction missed.
    await keys.destroy(em, ObjectKeyOwner.DATASET, [dataset.id]);
    if (dataset.redactedKey) await storage.delete(dataset.redactedKey);
    dataset.redactedKey = null;
    dataset.previewEnc = null;
  }
  dataset.status = dataset.validationOutcome;
  dataset.validationOutcome = null;
  await em.flush();
}

/**
 * After the last retry: the dataset must not stay VALIDATING for ever. One
 * that never got its verdict is INVALID; its files go as step 2 does. When S3
 * still refuses the deletes, the verdict is kept and the sweep finishes it.
 */
export async function failValidation(orm: MikroORM, storage: Storage, keys: KeyShredder, datasetId: string): Promise<void> {
  const em = orm.em.fork();
  const dataset = await em.findOne(Dataset, datasetId);
  if (!dataset || dataset.status !== DatasetStatus.VALIDATING) return;
  if (!dataset.validationOutcome) {
    recordInvalid(dataset, 'Validation could not finish; upload the file again');
    await em.flush();
  }
  await finishValidation(em, storage, keys, dataset);
}

/**
 * An upload never completed within its link's life (and a grace period after) ends INVALID, so it
 * does not wait for ever; whatever was uploaded goes (the storage sweep removes what this misses).
 */
export async function expireUpload(orm: MikroORM, storage: Storage, datasetId: string, message: string): Promise<boolean> {
  const em = orm.em.fork();
  const rows = await em.execute<{ upload_key: string | null; raw_key: string | null }[]>(
    `update datasets d set status = 'INVALID', upload_key = null, raw_key = null, issue_count = d.issue_count + 1,
        issues = d.issues || ?::jsonb
      from (select id, upload_key, raw_key from datasets where id = ? and status = 'AWAITING_UPLOAD' for update) old
      where d.id = old.id returning old.upload_key, old.raw_key`,
    [JSON.stringify([{ line: null, message }]), datasetId],
  );
  for (const key of rows.flatMap((r) => [r.upload_key, r.raw_key]).filter((k): k is string => !!k)) await storage.delete(key).catch(() => undefined);
  return rows.length > 0;
}

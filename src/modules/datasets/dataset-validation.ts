import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { MikroORM } from '@mikro-orm/postgresql';
import { redactPii } from '../../privacy/pii';
import type { Storage } from '../../storage/storage';
import { Dataset, DatasetKind, DatasetStatus, type StoredRecord } from './dataset.entity';
import { emptySummary, parseDataset } from './dataset-parsers';
import { redactedKeyOf } from './dataset.service';

export const PREVIEW_RECORDS = 20;

/**
 * Streams the original once: hashes it, parses it, redacts every record and
 * streams the redacted copy (JSON lines) back to S3. The model only ever sees
 * that copy. Idempotent: a dataset no longer VALIDATING is left alone, and a
 * retry rewrites the same redacted object. An INVALID dataset's files are
 * destroyed at once: nothing can use them, and they may hold personal data.
 */
export async function validateDataset(orm: MikroORM, storage: Storage, datasetId: string): Promise<DatasetStatus | null> {
  const em = orm.em.fork();
  const dataset = await em.findOne(Dataset, datasetId);
  if (!dataset || dataset.status !== DatasetStatus.VALIDATING || !dataset.rawKey) return null;

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

  const redactedKey = redactedKeyOf(dataset);
  const out = new PassThrough();
  const uploaded = storage.upload(redactedKey, out, 'application/x-ndjson; charset=utf-8');
  uploaded.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  const summary = emptySummary();
  const pii: Record<string, number> = {};
  const preview: StoredRecord[] = [];
  try {
    for await (const record of parseDataset(dataset.format, hashed(), summary)) {
      const redacted: StoredRecord = {};
      for (const field of ['question', 'answer', 'text'] as const) {
        const value = record[field];
        if (value === undefined) continue;
        const result = redactPii(value);
        redacted[field] = result.text;
        for (const [type, count] of Object.entries(result.counts)) pii[type] = (pii[type] ?? 0) + (count ?? 0);
      }
      if (preview.length < PREVIEW_RECORDS) preview.push(redacted);
      if (!out.write(`${JSON.stringify(redacted)}\n`)) await once(out, 'drain');
    }
  } finally {
    out.end();
  }
  await uploaded;

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
  if (invalid) {
    await storage.delete(redactedKey);
    await storage.delete(dataset.rawKey);
    dataset.rawKey = null;
    dataset.redactedKey = null;
    dataset.rawDeletedAt = new Date();
    dataset.preview = [];
    dataset.status = DatasetStatus.INVALID;
  } else {
    dataset.redactedKey = redactedKey;
    dataset.preview = preview;
    dataset.status = DatasetStatus.READY;
  }
  await em.flush();
  return dataset.status;
}

/** After the last retry: the dataset must not stay VALIDATING for ever. */
export async function failValidation(orm: MikroORM, storage: Storage, datasetId: string): Promise<void> {
  const em = orm.em.fork();
  const dataset = await em.findOne(Dataset, datasetId);
  if (!dataset || dataset.status !== DatasetStatus.VALIDATING) return;
  for (const key of [dataset.rawKey, redactedKeyOf(dataset)]) {
    if (key) await storage.delete(key).catch(() => undefined);
  }
  dataset.rawKey = null;
  dataset.redactedKey = null;
  dataset.rawDeletedAt = new Date();
  dataset.status = DatasetStatus.INVALID;
  dataset.issues = [...dataset.issues, { line: null, message: 'Validation could not finish; upload the file again' }];
  dataset.issueCount += 1;
  await em.flush();
}

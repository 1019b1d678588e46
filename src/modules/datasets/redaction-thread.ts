// Dataset validation's thread (a piscina task, src/modules/datasets/redaction-pool.ts): the worker
// streams the original's bytes in over a MessagePort, in chunks it acknowledges; the thread parses
// and redacts them and sends the redacted JSON lines back, then the verdict's counts and the preview.
// Nothing here touches the database, S3 or keys: the thread only computes, off the worker's event loop.
import type { MessagePort } from 'node:worker_threads';
import { redactPii } from '../../privacy/pii';
import type { StoredRecord } from './dataset.entity';
import { type DatasetFormat, type DatasetRecord, type ParseSummary, emptySummary, parseDatasetBatches } from './dataset-parsers';

export interface RedactionTask { port: MessagePort; format: DatasetFormat; previewRecords: number }
/** From the worker: a chunk of the original, or its end. */
export type ToRedactor = { chunk: Uint8Array } | { end: true };
export interface Redacted { summary: ParseSummary; pii: Record<string, number>; preview: StoredRecord[] }
/** From the thread: a chunk was taken in, redacted JSON lines, or the end with the counts. */
export type FromRedactor = { taken: true } | { lines: string } | { done: Redacted };

/** Lines go out in batches of about this many characters: one message (and one encrypted segment or so) each, not one per record. */
const LINES_BATCH = 64 * 1024;

/** One parsed record with every field redacted; counts what was found into `pii`. The bench's baseline runs this too. */
export function redactRecord(record: DatasetRecord, pii: Record<string, number>): StoredRecord {
  const redacted: StoredRecord = {};
  for (const field of ['question', 'answer', 'text'] as const) {
    const value = record[field];
    if (value === undefined) continue;
    const result = redactPii(value);
    redacted[field] = result.text;
    for (const [type, count] of Object.entries(result.counts)) pii[type] = (pii[type] ?? 0) + (count ?? 0);
  }
  return redacted;
}

export async function redact({ port, format, previewRecords }: RedactionTask): Promise<void> {
  const queue: (Uint8Array | null)[] = [];
  let wake: (() => void) | null = null;
  port.on('message', (message: ToRedactor) => {
    queue.push('chunk' in message ? message.chunk : null);
    wake?.();
  });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
      wake = null;
      const chunk = queue.shift()!;
      if (chunk === null) return;
      port.postMessage({ taken: true } satisfies FromRedactor);
      yield chunk;
    }
  }
  // As a string: copying it is cheaper here than encoding it, which the worker's thread, with time to spare, does.
  const send = (lines: string) => port.postMessage({ lines } satisfies FromRedactor);
  const summary = emptySummary();
  const pii: Record<string, number> = {};
  const preview: StoredRecord[] = [];
  let batch = '';
  // A parse stopped by a fatal issue ends here too: the worker stops sending when it hears `done`.
  for await (const records of parseDatasetBatches(format, chunks(), summary)) {
    for (const record of records) {
      const redacted = redactRecord(record, pii);
      if (preview.length < previewRecords) preview.push(redacted);
      batch += `${JSON.stringify(redacted)}\n`;
    }
    if (batch.length >= LINES_BATCH) {
      send(batch);
      batch = '';
    }
  }
  if (batch.length > 0) send(batch);
  port.postMessage({ done: { summary, pii, preview } } satisfies FromRedactor);
  port.close();
}

import { Writable } from 'node:stream';
import { emptySummary, parseDataset } from '../../src/modules/datasets/dataset-parsers';
import { RedactionPool } from '../../src/modules/datasets/redaction-pool';
import { redactRecord } from '../../src/modules/datasets/redaction-thread';

// Validation parses and redacts in a thread of the worker (RedactionPool): what comes out must be what
// the parser and redaction give in process, the input must wait for a slow output, and a failure on
// either side must end the redaction, never leave it waiting.

const row = (i: number) => `"${i}번 주문 문의","김민지 고객님(900101-1234568) 메일 user${i}@example.com, 연락처 010-1234-${String(1000 + (i % 9000))}"\n`;
const csv = (rows: number) => Buffer.from(`question,answer\n${Array.from({ length: rows }, (_, i) => row(i)).join('')}`);

/** `bytes` in chunks of `size` (each a buffer of its own, as a socket's reads are), counting what was read. */
function chunksOf(bytes: Buffer, size: number, read = { bytes: 0 }) {
  return (async function* () {
    for (let at = 0; at < bytes.length; at += size) {
      const chunk = Buffer.alloc(Math.min(size, bytes.length - at));
      bytes.copy(chunk, 0, at, at + chunk.length);
      read.bytes += chunk.length;
      yield chunk;
    }
  })();
}

function collector(delayMs = 0) {
  const parts: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      if (delayMs) setTimeout(done, delayMs);
      else done();
    },
  });
  return { out, text: () => Buffer.concat(parts).toString('utf8'), bytes: () => parts.reduce((n, p) => n + p.length, 0) };
}

async function inProcess(file: Buffer) {
  const summary = emptySummary();
  const pii: Record<string, number> = {};
  const lines: string[] = [];
  async function* one() { yield file; }
  for await (const record of parseDataset('CSV', one(), summary)) lines.push(`${JSON.stringify(redactRecord(record, pii))}\n`);
  return { summary, pii, text: lines.join('') };
}

let pool: RedactionPool;
beforeAll(() => { pool = new RedactionPool(2); });
afterAll(async () => { await pool.destroy(); });

describe('redaction thread', () => {
  it('given a CSV full of personal data in uneven chunks, then the lines, counts, issues and preview are those of the parser and redaction in process', async () => {
    const file = Buffer.concat([csv(3000), Buffer.from('"질문만 있음",\n')]);
    const expected = await inProcess(file);
    for (const size of [7, 4096, 40_000, 65_536, 200_000]) {
      const { out, text } = collector();
      const result = await pool.redact({ format: 'CSV', source: chunksOf(file, size), out, previewRecords: 20 });
      expect(text()).toBe(expected.text);
      expect(result.summary).toEqual(expected.summary);
      expect(result.pii).toEqual(expected.pii);
      expect(result.preview).toEqual(expected.text.split('\n').slice(0, 20).map((line) => JSON.parse(line)));
    }
    expect(expected.summary.records).toBe(3000);
    expect(expected.summary.issueCount).toBe(1);
    expect(expected.pii).toEqual(expect.objectContaining({ RESIDENT_REGISTRATION_NUMBER: 3000, EMAIL: 3000, PHONE: 3000 }));
    expect(expected.text).not.toMatch(/900101-1234568|user\d+@example\.com|010-1234-\d{4}/);
  });

  it('given buffers that share memory with others, then those others are left whole (only a buffer of its own is moved to the thread)', async () => {
    const small = Buffer.from('question,answer\n'); // from the shared pool
    const neighbour = Buffer.from('이웃'); // the same pool
    const own = csv(2000);
    async function* source() { yield small; yield own.subarray(16); }
    const { out, text } = collector();
    await pool.redact({ format: 'CSV', source: source(), out, previewRecords: 1 });
    expect(neighbour.toString('utf8')).toBe('이웃');
    expect(small.toString('utf8')).toBe('question,answer\n');
    expect(text().split('\n')).toHaveLength(2001);
  });

  it('given a slow output, then the input waits for it instead of being read ahead', async () => {
    const file = csv(40_000); // about 4 MiB
    const read = { bytes: 0 };
    const { out, bytes } = collector(10);
    let aheadMax = 0;
    const sampler = setInterval(() => { aheadMax = Math.max(aheadMax, read.bytes - bytes()); }, 5);
    try {
      await pool.redact({ format: 'CSV', source: chunksOf(file, 65_536, read), out, previewRecords: 0 });
    } finally {
      clearInterval(sampler);
    }
    expect(read.bytes).toBe(file.length);
    // Without backpressure the thread would read the whole file while the output took its first few writes.
    expect(aheadMax).toBeLessThan(1.5 * 1024 * 1024);
    expect(aheadMax).toBeGreaterThan(0);
  });

  it('given a file that is malformed at its header, then the verdict comes without the rest of the file being read', async () => {
    const file = Buffer.concat([Buffer.from('name,age\n'), csv(40_000)]);
    const read = { bytes: 0 };
    const { out, text } = collector();
    const result = await pool.redact({ format: 'CSV', source: chunksOf(file, 65_536, read), out, previewRecords: 20 });
    expect(result.summary.malformed).toBe(true);
    expect(result.summary.issues[0].message).toMatch(/header/);
    expect(text()).toBe('');
    expect(read.bytes).toBeLessThan(file.length / 4);
  });

  it('given an output that fails or a source that fails, then the redaction fails with it and the pool goes on', async () => {
    const failing = new Writable({ write(_chunk, _encoding, done) { done(new Error('the upload failed')); } });
    failing.on('error', () => undefined);
    await expect(pool.redact({ format: 'CSV', source: chunksOf(csv(40_000), 65_536), out: failing, previewRecords: 0 })).rejects.toThrow('the upload failed');

    async function* broken() {
      yield csv(100);
      throw new Error('the S3 read failed');
    }
    await expect(pool.redact({ format: 'CSV', source: broken(), out: collector().out, previewRecords: 0 })).rejects.toThrow('the S3 read failed');

    const { out, text } = collector();
    await pool.redact({ format: 'CSV', source: chunksOf(csv(10), 100), out, previewRecords: 0 });
    expect(text().split('\n')).toHaveLength(11);
  });

  it('given the thread dies mid-redaction, then the redaction fails (the job is retried) instead of waiting', async () => {
    const { out } = collector(50);
    const running = pool.redact({ format: 'CSV', source: chunksOf(csv(40_000), 65_536), out, previewRecords: 0 });
    const failed = running.then(() => null, (error: Error) => error);
    while (pool.threads === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pool.killThreads();
    expect(await failed).toBeInstanceOf(Error);
    const { out: next, text } = collector();
    await pool.redact({ format: 'CSV', source: chunksOf(csv(10), 100), out: next, previewRecords: 0 });
    expect(text().split('\n')).toHaveLength(11);
  });
});

import { Readable } from 'node:stream';
import { decryptStream, encryptStream, SealedObjectReader } from '../privacy/stream-cipher';
import type { Storage } from './storage';

// Objects we keep are encrypted by us (SPEC 5), streamed both ways: no whole
// file is held in memory. The associated data is the object's name, which
// holds its owner's id: a ciphertext copied under another name (another
// dataset) fails to decrypt.
const aadOf = (objectKey: string) => `object:${objectKey}`;

export async function putEncrypted(storage: Storage, objectKey: string, dataKey: Buffer, body: Readable | Buffer): Promise<void> {
  const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
  const sealed = encryptStream(dataKey, aadOf(objectKey));
  source.on('error', (error) => sealed.destroy(error));
  await storage.upload(objectKey, source.pipe(sealed), 'application/octet-stream');
}

/** The decrypted object as a stream; it errors (StreamCipherError) on a wrong or destroyed key or damaged bytes. */
export async function streamDecrypted(storage: Storage, objectKey: string, dataKey: Buffer): Promise<Readable> {
  const body = await storage.stream(objectKey);
  const plain = decryptStream(dataKey, aadOf(objectKey));
  body.on('error', (error) => plain.destroy(error));
  return body.pipe(plain);
}

/** Ranges read at once by getDecrypted: whole sealed segments, about 8 MiB each (S3's advice for large reads). */
const RANGE_SEGMENTS = 128;
const PARALLEL_RANGES = 4;

/**
 * The whole decrypted object in one buffer (a model artifact on a cold start): every range is opened as its
 * bytes arrive (src/privacy/stream-cipher.ts, SealedObjectReader), a few read at once. The stored size, when the
 * caller knows it (a model version records it), lets every range be asked for at once; otherwise the first
 * range tells it. The key may still be on its way (looked up meanwhile): bytes wait for it in the stream.
 */
export async function getDecrypted(storage: Storage, objectKey: string, dataKey: Buffer | Promise<Buffer>, storedSize?: number): Promise<Buffer> {
  const rangeEnd = (from: number, total: number) => Math.min(total, SealedObjectReader.offsetOf(from + RANGE_SEGMENTS));
  const bodies: Readable[] = [];
  let failed = false;
  const ask = (from: number, total: number) => {
    const answer = storage.range(objectKey, from === 0 ? 0 : SealedObjectReader.offsetOf(from), rangeEnd(from, total) - 1).then((range) => {
      // A range that answers after the read failed is not read: its body is closed at once.
      if (failed) range.body.destroy();
      else bodies.push(range.body);
      return range;
    });
    answer.catch(() => undefined); // awaited where it is read; a read that failed first leaves it unread
    return answer;
  };
  try {
    const firstAsked = ask(0, storedSize ?? SealedObjectReader.offsetOf(RANGE_SEGMENTS));
    const total = storedSize ?? (await firstAsked).total;
    // Segment i exists while it starts before the end; each range is RANGE_SEGMENTS of them.
    const ranges: number[] = [];
    for (let from = RANGE_SEGMENTS; SealedObjectReader.offsetOf(from) < total; from += RANGE_SEGMENTS) ranges.push(from);
    // Asked for now, read in turn: the first range holds the header every other one needs.
    const asked = new Map(ranges.slice(0, PARALLEL_RANGES - 1).map((from) => [from, ask(from, total)]));
    const reader = new SealedObjectReader(await dataKey, aadOf(objectKey), total);
    const first = await firstAsked;
    if (first.total !== total) throw new Error(`${objectKey} is ${first.total} bytes, not the ${total} recorded`);
    let headerRead!: () => void;
    const header = new Promise<void>((resolve) => { headerRead = resolve; });
    const consume = async (body: Readable, from: number) => {
      const sink = reader.range(from === 0 ? 0 : SealedObjectReader.offsetOf(from), rangeEnd(from, total));
      for await (const chunk of body) {
        sink.push(chunk as Buffer);
        if (reader.headerRead) headerRead();
      }
      sink.end();
    };
    let next = 0;
    const more = async () => {
      while (next < ranges.length) {
        const from = ranges[next];
        next += 1;
        const { body } = await (asked.get(from) ?? ask(from, total));
        await header;
        await consume(body, from);
      }
    };
    await Promise.all([consume(first.body, 0), ...Array.from({ length: PARALLEL_RANGES - 1 }, more)]);
    return reader.result();
  } catch (error) {
    failed = true;
    for (const body of bodies) body.destroy();
    throw error;
  }
}

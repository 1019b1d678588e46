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
 * The whole decrypted object in one buffer (a model artifact on a cold start): the first range
 * tells the object's size and holds the header, the rest are read a few at once, and every range
 * is opened as its bytes arrive (src/privacy/stream-cipher.ts, SealedObjectReader).
 */
export async function getDecrypted(storage: Storage, objectKey: string, dataKey: Buffer): Promise<Buffer> {
  const rangeEnd = (from: number, total: number) => Math.min(total, SealedObjectReader.offsetOf(from + RANGE_SEGMENTS));
  const first = await storage.range(objectKey, 0, SealedObjectReader.offsetOf(RANGE_SEGMENTS) - 1);
  const reader = new SealedObjectReader(dataKey, aadOf(objectKey), first.total);
  const bodies: Readable[] = [first.body];
  let headerRead!: () => void;
  const header = new Promise<void>((resolve) => { headerRead = resolve; });
  const consume = async (body: Readable, from: number) => {
    const start = from === 0 ? 0 : SealedObjectReader.offsetOf(from);
    const sink = reader.range(start, rangeEnd(from, first.total));
    for await (const chunk of body) {
      sink.push(chunk as Buffer);
      if (reader.headerRead) headerRead();
    }
    sink.end();
  };
  let next = RANGE_SEGMENTS;
  const more = async () => {
    while (next < reader.segments) {
      const from = next;
      next += RANGE_SEGMENTS;
      const { body } = await storage.range(objectKey, SealedObjectReader.offsetOf(from), rangeEnd(from, first.total) - 1);
      bodies.push(body);
      await header;
      await consume(body, from);
    }
  };
  try {
    await Promise.all([consume(first.body, 0), ...Array.from({ length: PARALLEL_RANGES - 1 }, more)]);
  } catch (error) {
    for (const body of bodies) body.destroy();
    throw error;
  }
  return reader.result();
}

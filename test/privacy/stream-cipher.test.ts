// Objects at rest read whole (model artifacts): ranges of sealed segments read at once from the real S3 server
// and opened as they arrive must give back exactly what was stored, and nothing when a byte, a segment or the key is wrong.
import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { SEGMENT_BYTES, StreamCipherError } from '../../src/privacy/stream-cipher';
import { getDecrypted, putEncrypted, streamDecrypted } from '../../src/storage/encrypted';
import { Storage } from '../../src/storage/storage';

const config = loadConfig(process.env);
const storage = new Storage({ ...config.s3, endpoint: config.s3.endpoint! });
const key = randomBytes(32);
const name = (label: string) => `test-stream-cipher/${randomUUID()}/${label}`;
// getDecrypted reads ranges of 128 segments: sizes around a segment and around a range, and several ranges.
const RANGE = 128 * SEGMENT_BYTES;

beforeAll(() => storage.ensureBucket());
afterAll(() => storage.destroy());

async function streamed(objectKey: string, dataKey: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await streamDecrypted(storage, objectKey, dataKey)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('reading an encrypted object whole, in ranges', () => {
  it.each([0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, RANGE - 1, RANGE, RANGE + 1, 3 * RANGE + 5 * SEGMENT_BYTES + 7])(
    'given %i bytes, then exactly those bytes, as the streamed read gives them',
    async (size) => {
      const body = randomBytes(size);
      const objectKey = name(String(size));
      await putEncrypted(storage, objectKey, key, body);
      const whole = await getDecrypted(storage, objectKey, key);
      expect(whole.length).toBe(size);
      expect(whole.equals(body)).toBe(true);
      expect((await streamed(objectKey, key)).equals(body)).toBe(true);
      // With the stored size known (every range asked for at once) and the key arriving later: the same bytes.
      const stored = (await storage.size(objectKey))!;
      const later = new Promise<Buffer>((resolve) => setTimeout(() => resolve(key), 20));
      expect((await getDecrypted(storage, objectKey, later, stored)).equals(body)).toBe(true);
    },
    60_000,
  );

  describe('given the stored bytes changed', () => {
    // 259 whole segments: the last one is full.
    const body = randomBytes(2 * RANGE + 3 * SEGMENT_BYTES);
    const SEALED = SEGMENT_BYTES + 16;

    it.each([
      ['one byte flipped in the second range', (b: Buffer) => { const c = Buffer.from(b); c[RANGE + 5000] ^= 1; return c; }],
      ['one byte flipped in the last segment', (b: Buffer) => { const c = Buffer.from(b); c[c.length - 20] ^= 1; return c; }],
      ['the last segment cut off', (b: Buffer) => b.subarray(0, b.length - SEALED)],
      ['the last byte cut off', (b: Buffer) => b.subarray(0, b.length - 1)],
      ['the header damaged', (b: Buffer) => { const c = Buffer.from(b); c[1] ^= 0xff; return c; }],
      ['the nonce prefix changed', (b: Buffer) => { const c = Buffer.from(b); c[6] ^= 1; return c; }],
    ])('given %s, then a StreamCipherError and no plaintext', async (_what, damage) => {
      // Damaged under the same name (the associated data): only the bytes differ.
      const objectKey = name('damaged');
      await putEncrypted(storage, objectKey, key, body);
      const stored = await storage.getBuffer(objectKey);
      expect((await getDecrypted(storage, objectKey, key)).equals(body)).toBe(true);
      await storage.put(objectKey, damage(stored));
      await expect(getDecrypted(storage, objectKey, key)).rejects.toBeInstanceOf(StreamCipherError);
    }, 60_000);

    it('given another key, or the bytes under another name, then a StreamCipherError', async () => {
      const original = name('original');
      await putEncrypted(storage, original, key, body);
      await expect(getDecrypted(storage, original, randomBytes(32))).rejects.toBeInstanceOf(StreamCipherError);
      const moved = name('moved');
      await storage.put(moved, await storage.getBuffer(original));
      await expect(getDecrypted(storage, moved, key)).rejects.toBeInstanceOf(StreamCipherError);
      expect((await getDecrypted(storage, original, key)).equals(body)).toBe(true);
    }, 60_000);

    it('given a stored size that is not the object\'s, or a key lookup that fails, then an error and no plaintext', async () => {
      const objectKey = name('sized');
      await putEncrypted(storage, objectKey, key, body);
      const stored = (await storage.size(objectKey))!;
      await expect(getDecrypted(storage, objectKey, key, stored - 1)).rejects.toThrow(`is ${stored} bytes, not the ${stored - 1} recorded`);
      await expect(getDecrypted(storage, objectKey, key, stored + SEALED)).rejects.toThrow(`is ${stored} bytes, not the ${stored + SEALED} recorded`);
      await expect(getDecrypted(storage, objectKey, Promise.reject(new Error('no key')), stored)).rejects.toThrow('no key');
      expect((await getDecrypted(storage, objectKey, key, stored)).equals(body)).toBe(true);
    }, 60_000);
  });
});

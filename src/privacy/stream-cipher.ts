import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

// Streamed AES-256-GCM for objects at rest (dataset copies, model artifacts).
// One GCM tag over a whole 50 MiB file would hand out plaintext before it is
// checked, so the stream is cut into segments, each sealed on its own (the
// STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, as in Tink
// and age): a segment's nonce is the object's random prefix, its index and a
// last-segment flag, so segments cannot be reordered, dropped or cut short
// without decryption failing, and no plaintext is released before its tag is
// checked. The associated data binds the object to its owner and key.
//
// Layout: magic "AXS1" | nonce prefix (7 bytes) | segments, each
// ciphertext (SEGMENT bytes, the last 0..SEGMENT) followed by its 16-byte tag.
export const STREAM_MAGIC = Buffer.from('AXS1', 'ascii');
const PREFIX_BYTES = 7;
const HEADER_BYTES = STREAM_MAGIC.length + PREFIX_BYTES;
const TAG_BYTES = 16;
export const SEGMENT_BYTES = 64 * 1024;
const SEALED_SEGMENT = SEGMENT_BYTES + TAG_BYTES;

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, PREFIX_BYTES);
  n[11] = last ? 1 : 0;
  return n;
}

/** Collects chunks without re-concatenating the whole backlog on every write. */
class ChunkQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0];
      const part = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, part);
      filled += part;
      if (part === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(part);
    }
    this.length -= n;
    return out;
  }
}

export class StreamCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamCipherError';
  }
}

/** Encrypts a byte stream under a 32-byte key; `aad` names what the object is (its owner and role). */
export function encryptStream(key: Buffer, aad: string): Transform {
  const prefix = randomBytes(PREFIX_BYTES);
  const associated = Buffer.from(aad, 'utf8');
  const queue = new ChunkQueue();
  let index = 0;
  const seal = (plaintext: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, index, last));
    cipher.setAAD(associated);
    index += 1;
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  return new Transform({
    construct(callback) {
      this.push(Buffer.concat([STREAM_MAGIC, prefix]));
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      queue.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      // Strictly more than a segment: the last one (possibly empty) is sealed as last in flush.
      while (queue.length > SEGMENT_BYTES) this.push(seal(queue.take(SEGMENT_BYTES), false));
      callback();
    },
    flush(callback: TransformCallback) {
      this.push(seal(queue.take(queue.length), true));
      callback();
    },
  });
}

/** Decrypts what encryptStream wrote; fails (StreamCipherError) on a wrong key, other associated data, tampering or truncation. */
export function decryptStream(key: Buffer, aad: string): Transform {
  const associated = Buffer.from(aad, 'utf8');
  const queue = new ChunkQueue();
  let prefix: Buffer | null = null;
  let index = 0;
  const open = (sealed: Buffer, last: boolean): Buffer => {
    if (sealed.length < TAG_BYTES) throw new StreamCipherError('The encrypted object is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, nonce(prefix!, index, last));
    decipher.setAAD(associated);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    index += 1;
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new StreamCipherError('The encrypted object cannot be decrypted (wrong or destroyed key, or damaged)');
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        queue.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        if (!prefix) {
          if (queue.length < HEADER_BYTES) return callback();
          const header = queue.take(HEADER_BYTES);
          if (!header.subarray(0, STREAM_MAGIC.length).equals(STREAM_MAGIC)) throw new StreamCipherError('Not an encrypted object');
          prefix = header.subarray(STREAM_MAGIC.length);
        }
        while (queue.length > SEALED_SEGMENT) this.push(open(queue.take(SEALED_SEGMENT), false));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!prefix) throw new StreamCipherError('Not an encrypted object');
        this.push(open(queue.take(queue.length), true));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/**
 * Opens a stored object whose size is known into one plaintext buffer allocated once, from ranges of
 * it read at once (a model artifact on a cold start): each range's bytes are opened segment by
 * segment as they arrive, straight from the chunks when a segment lies in one, so the sealed object
 * is never held whole. The plaintext is handed out only once every segment's tag checked.
 */
export class SealedObjectReader {
  readonly segments: number;
  private readonly plaintext: Buffer;
  private readonly associated: Buffer;
  private prefix: Buffer | null = null;
  private opened = 0;

  constructor(private readonly key: Buffer, aad: string, private readonly storedBytes: number) {
    const body = storedBytes - HEADER_BYTES;
    if (body < TAG_BYTES) throw new StreamCipherError('The encrypted object is truncated');
    this.segments = Math.ceil(body / SEALED_SEGMENT);
    this.plaintext = Buffer.allocUnsafe(body - this.segments * TAG_BYTES);
    this.associated = Buffer.from(aad, 'utf8');
  }

  /** Stored offset where segment `index` starts (the first range starts at 0, with the header). */
  static offsetOf(index: number): number {
    return HEADER_BYTES + index * SEALED_SEGMENT;
  }

  get headerRead(): boolean {
    return this.prefix !== null;
  }

  /** A sink for the bytes from stored offset `start` (0, or a segment's start) up to `end` (exclusive). */
  range(start: number, end: number): { push(chunk: Buffer): void; end(): void } {
    let offset = start;
    let header: Buffer | null = start === 0 ? Buffer.alloc(0) : null;
    const scratch = Buffer.allocUnsafe(SEALED_SEGMENT);
    let fill = 0;
    const segmentLength = (index: number) => Math.min(SEALED_SEGMENT, this.storedBytes - SealedObjectReader.offsetOf(index));
    return {
      push: (chunk: Buffer) => {
        let at = 0;
        if (header) {
          const take = Math.min(HEADER_BYTES - header.length, chunk.length);
          header = Buffer.concat([header, chunk.subarray(0, take)]);
          at = take;
          offset += take;
          if (header.length < HEADER_BYTES) return;
          if (!header.subarray(0, STREAM_MAGIC.length).equals(STREAM_MAGIC)) throw new StreamCipherError('Not an encrypted object');
          this.prefix = Buffer.from(header.subarray(STREAM_MAGIC.length));
          header = null;
        }
        if (!this.prefix) throw new StreamCipherError('A range was read before the object\'s header');
        while (at < chunk.length) {
          if (offset + (chunk.length - at) > end) throw new StreamCipherError('The encrypted object is longer than it said');
          const index = Math.floor((offset - fill - HEADER_BYTES) / SEALED_SEGMENT);
          const need = segmentLength(index);
          if (fill === 0 && chunk.length - at >= need) {
            this.open(index, chunk.subarray(at, at + need));
            at += need;
            offset += need;
            continue;
          }
          const take = Math.min(need - fill, chunk.length - at);
          chunk.copy(scratch, fill, at, at + take);
          fill += take;
          at += take;
          offset += take;
          if (fill === need) {
            this.open(index, scratch.subarray(0, need));
            fill = 0;
          }
        }
      },
      end: () => {
        if (fill !== 0 || offset !== end) throw new StreamCipherError('The encrypted object is truncated');
      },
    };
  }

  /** The plaintext, once every segment was opened. */
  result(): Buffer {
    if (this.opened !== this.segments) throw new StreamCipherError('The encrypted object is truncated');
    return this.plaintext;
  }

  private open(index: number, sealed: Buffer): void {
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.prefix!, index, index === this.segments - 1));
    decipher.setAAD(this.associated);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)).copy(this.plaintext, index * SEGMENT_BYTES);
      decipher.final();
    } catch {
      throw new StreamCipherError('The encrypted object cannot be decrypted (wrong or destroyed key, or damaged)');
    }
    this.opened += 1;
  }
}

/** Whether stored bytes start like an encrypted object (objects written before encryption do not). */
export const isEncryptedObject = (head: Buffer): boolean => head.length >= STREAM_MAGIC.length && head.subarray(0, STREAM_MAGIC.length).equals(STREAM_MAGIC);

import { Readable } from 'node:stream';
import { decryptStream, encryptStream } from '../privacy/stream-cipher';
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

export async function getDecrypted(storage: Storage, objectKey: string, dataKey: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await streamDecrypted(storage, objectKey, dataKey)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

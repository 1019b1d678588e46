import { randomBytes } from 'node:crypto';
import { MasterKeys } from '../../src/privacy/key-ring';

// The process's cache of unwrapped data keys (DATA_KEY_CACHE_SECONDS): it answers only for the wrapped bytes it unwrapped.
const config = { masterKey: { version: 1, key: randomBytes(32) }, retiredMasterKeys: new Map<number, Buffer>(), dataKeyCacheSeconds: 300 };
const subjectId = '7d1f6a52-3c55-4a8e-9d59-1f0c3b8f6a01';

describe('data key cache', () => {
  it('given the same wrapped key again, then the same key; given the key re-wrapped, then the new wrapped bytes are opened', () => {
    const master = new MasterKeys(config);
    const key = randomBytes(32);
    const wrapped = master.wrap(subjectId, key);
    expect(master.unwrap({ subjectId, wrappedKey: wrapped, keyVersion: 1 })!.equals(key)).toBe(true);
    expect(master.unwrap({ subjectId, wrappedKey: Buffer.from(wrapped), keyVersion: 1 })!.equals(key)).toBe(true);
    const newKey = randomBytes(32);
    expect(master.unwrap({ subjectId, wrappedKey: master.wrap(subjectId, newKey), keyVersion: 1 })!.equals(newKey)).toBe(true);
  });

  it('given the row now holds no key (destroyed), then null, and the cached key is not served after', () => {
    const master = new MasterKeys(config);
    const wrapped = master.wrap(subjectId, randomBytes(32));
    master.unwrap({ subjectId, wrappedKey: wrapped, keyVersion: 1 });
    expect(master.unwrap({ subjectId, wrappedKey: null, keyVersion: 1 })).toBeNull();
    // A damaged copy of other bytes is opened, and fails: nothing cached answers for it.
    const damaged = Buffer.from(wrapped);
    damaged[damaged.length - 1] ^= 1;
    expect(() => master.unwrap({ subjectId, wrappedKey: damaged, keyVersion: 1 })).toThrow();
  });

  it('given the same wrapped bytes under another key version, then it is opened with that version (unknown here: it fails)', () => {
    const master = new MasterKeys(config);
    const wrapped = master.wrap(subjectId, randomBytes(32));
    master.unwrap({ subjectId, wrappedKey: wrapped, keyVersion: 1 });
    expect(() => master.unwrap({ subjectId, wrappedKey: wrapped, keyVersion: 2 })).toThrow(/version 2/);
  });
});

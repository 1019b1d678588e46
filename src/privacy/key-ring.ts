import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { newDataKey, open, seal } from './cipher';
import { SubjectKey } from './subject-key.entity';

const wrapAad = (subjectId: string) => `subject-key:${subjectId}`;

/** A subject's wrapped key that does not open (damaged, or under a master key not configured): not a database failure. */
export class SubjectKeyUnreadable extends Error {
  constructor(readonly subjectId: string, cause: unknown) {
    super(`The data key of subject ${subjectId} cannot be opened`, { cause });
  }
}

/** Data keys held in memory at once by a process's cache: 10,000 of 32 bytes, with their wrapped forms, about 2 MiB. */
const DATA_KEY_CACHE_ENTRIES = 10_000;

interface Unwrapped { wrappedKey: Buffer; keyVersion: number; key: Buffer }

export class MasterKeys {
  /**
   * Subjects' keys this process unwrapped lately, each beside the wrapped form it came from: a key is served from
   * here only when the row read now holds the same wrapped bytes, so a destroyed (null) or re-wrapped key is
   * never answered from memory. What it saves is an AES-GCM open per subject per request (a page of 100 users).
   */
  private readonly unwrapped: LRUCache<string, Unwrapped> | null;

  constructor(private readonly config: Pick<Config, 'masterKey' | 'retiredMasterKeys'> & Partial<Pick<Config, 'dataKeyCacheSeconds'>>) {
    const seconds = config.dataKeyCacheSeconds ?? 0;
    this.unwrapped = seconds > 0 ? new LRUCache({ max: DATA_KEY_CACHE_ENTRIES, ttl: seconds * 1000 }) : null;
  }

  get currentVersion(): number {
    return this.config.masterKey.version;
  }

  wrap(subjectId: string, dataKey: Buffer): Buffer {
    return seal(this.config.masterKey.key, dataKey, wrapAad(subjectId));
  }

  unwrap(row: Pick<SubjectKey, 'subjectId' | 'wrappedKey' | 'keyVersion'>): Buffer | null {
    if (!row.wrappedKey) {
      this.forget(row.subjectId);
      return null;
    }
    const known = this.unwrapped?.get(row.subjectId);
    if (known && known.keyVersion === row.keyVersion && known.wrappedKey.equals(row.wrappedKey)) return known.key;
    const key = this.unwrapWith(wrapAad(row.subjectId), row.wrappedKey, row.keyVersion);
    this.unwrapped?.set(row.subjectId, { wrappedKey: Buffer.from(row.wrappedKey), keyVersion: row.keyVersion, key });
    return key;
  }

  /** Drops a subject's key from this process's memory (its key was destroyed). */
  forget(subjectId: string): void {
    this.unwrapped?.delete(subjectId);
  }

  /** Wraps a data key that is not a subject's (an object key): `aad` names its owner, so wrapped keys cannot be swapped between rows or tables. */
  wrapWith(aad: string, dataKey: Buffer): Buffer {
    return seal(this.config.masterKey.key, dataKey, aad);
  }

  unwrapWith(aad: string, wrapped: Buffer, keyVersion: number): Buffer {
    const master = keyVersion === this.config.masterKey.version
      ? this.config.masterKey.key
      : this.config.retiredMasterKeys.get(keyVersion);
    if (!master) throw new Error(`Master key version ${keyVersion} is not configured (MASTER_KEYS_RETIRED)`);
    return open(master, wrapped, aad);
  }
}

/**
 * A request's view of subjects' data keys: unwrapping is batched, one query
 * for all subjects a request touches, and a destroyed key reads as null.
 */
export class KeyRing {
  private readonly loader: DataLoader<string, Buffer | null>;
  /** What the loader has answered, readable without a promise: a field of a subject already loaded is answered at once. */
  private readonly known = new Map<string, Buffer | null | SubjectKeyUnreadable>();

  constructor(private readonly em: EntityManager, private readonly master: MasterKeys) {
    this.loader = new DataLoader<string, Buffer | null>(async (ids) => {
      const rows = await this.em.getConnection().execute<SubjectKey[]>(
        'select subject_id as "subjectId", wrapped_key as "wrappedKey", key_version as "keyVersion" from subject_keys where subject_id in (?)',
        [ids as string[]],
      );
      const byId = new Map(rows.map((r) => [r.subjectId, r]));
      // Per subject: one key that cannot be unwrapped fails that subject's fields, not the page.
      return ids.map((id) => {
        const row = byId.get(id);
        const key = row ? this.unwrap(row) : null;
        this.known.set(id, key);
        return key;
      });
    });
  }

  get(subjectId: string): Promise<Buffer | null> {
    return this.loader.load(subjectId);
  }

  /** The subject's key when this request has it already (null: destroyed or none), undefined when it must still be loaded. Throws for a key that does not open. */
  peek(subjectId: string): Buffer | null | undefined {
    const key = this.known.get(subjectId);
    if (key instanceof SubjectKeyUnreadable) throw key;
    return key;
  }

  /** Whether this request has the subject's key already (loaded, destroyed or unreadable): peek answers without a query. */
  has(subjectId: string): boolean {
    return this.known.has(subjectId);
  }

  /** A subject's key whose wrapped form the caller's own statement read: unwrapped here, and no query of its own. */
  primeWrapped(row: Pick<SubjectKey, 'subjectId' | 'wrappedKey' | 'keyVersion'>): void {
    const key = this.unwrap(row);
    this.known.set(row.subjectId, key);
    this.loader.clear(row.subjectId).prime(row.subjectId, key);
  }

  /** Creates a subject's key in the caller's unit of work. */
  create(subjectId: string): Buffer {
    const key = newDataKey();
    this.em.create(SubjectKey, { subjectId, wrappedKey: this.master.wrap(subjectId, key), keyVersion: this.master.currentVersion });
    this.known.set(subjectId, key);
    this.loader.clear(subjectId).prime(subjectId, key);
    return key;
  }

  /** Crypto-shredding: without the key every ciphertext of the subject is noise. */
  async destroy(subjectId: string): Promise<void> {
    await this.em.nativeUpdate(SubjectKey, { subjectId }, { wrappedKey: null, destroyedAt: new Date() });
    this.master.forget(subjectId);
    this.known.set(subjectId, null);
    this.loader.clear(subjectId).prime(subjectId, null);
  }

  private unwrap(row: Pick<SubjectKey, 'subjectId' | 'wrappedKey' | 'keyVersion'>): Buffer | null | SubjectKeyUnreadable {
    try {
      return this.master.unwrap(row);
    } catch (error) {
      return new SubjectKeyUnreadable(row.subjectId, error);
    }
  }
}

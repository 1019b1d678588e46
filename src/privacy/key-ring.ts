import DataLoader from 'dataloader';
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

export class MasterKeys {
  constructor(private readonly config: Pick<Config, 'masterKey' | 'retiredMasterKeys'>) {}

  get currentVersion(): number {
    return this.config.masterKey.version;
  }

  wrap(subjectId: string, dataKey: Buffer): Buffer {
    return seal(this.config.masterKey.key, dataKey, wrapAad(subjectId));
  }

  unwrap(row: Pick<SubjectKey, 'subjectId' | 'wrappedKey' | 'keyVersion'>): Buffer | null {
    if (!row.wrappedKey) return null;
    return this.unwrapWith(wrapAad(row.subjectId), row.wrappedKey, row.keyVersion);
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

  constructor(private readonly em: EntityManager, private readonly master: MasterKeys) {
    this.loader = new DataLoader(async (ids) => {
      const rows = await this.em.getConnection().execute<SubjectKey[]>(
        'select subject_id as "subjectId", wrapped_key as "wrappedKey", key_version as "keyVersion" from subject_keys where subject_id in (?)',
        [ids as string[]],
      );
      const byId = new Map(rows.map((r) => [r.subjectId, r]));
      // Per subject: one key that cannot be unwrapped fails that subject's fields, not the page.
      return ids.map((id) => {
        const row = byId.get(id);
        try {
          return row ? this.master.unwrap(row) : null;
        } catch (error) {
          return new SubjectKeyUnreadable(id, error) as Error;
        }
      });
    });
  }

  get(subjectId: string): Promise<Buffer | null> {
    return this.loader.load(subjectId);
  }

  /** A subject's key whose wrapped form the caller's own statement read: unwrapped here, and no query of its own. */
  primeWrapped(row: Pick<SubjectKey, 'subjectId' | 'wrappedKey' | 'keyVersion'>): void {
    let key: Buffer | null | Error;
    try {
      key = this.master.unwrap(row);
    } catch (error) {
      key = new SubjectKeyUnreadable(row.subjectId, error);
    }
    this.loader.clear(row.subjectId).prime(row.subjectId, key);
  }

  /** Creates a subject's key in the caller's unit of work. */
  create(subjectId: string): Buffer {
    const key = newDataKey();
    this.em.create(SubjectKey, { subjectId, wrappedKey: this.master.wrap(subjectId, key), keyVersion: this.master.currentVersion });
    this.loader.prime(subjectId, key);
    return key;
  }

  /** Crypto-shredding: without the key every ciphertext of the subject is noise. */
  async destroy(subjectId: string): Promise<void> {
    await this.em.nativeUpdate(SubjectKey, { subjectId }, { wrappedKey: null, destroyedAt: new Date() });
    this.loader.clear(subjectId).prime(subjectId, null);
  }
}

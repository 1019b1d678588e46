import type { EntityManager } from '@mikro-orm/postgresql';
import { newDataKey } from './cipher';
import type { MasterKeys } from './key-ring';
import { type ObjectKeyOwner } from './object-key.entity';

const wrapAad = (owner: ObjectKeyOwner, id: string) => `object-key:${owner}:${id}`;

interface Row { id: string; owner: ObjectKeyOwner; wrappedKey: Buffer | null; keyVersion: number }

export class ObjectKeyDestroyed extends Error {
  constructor() {
    super('The key of this object was destroyed');
    this.name = 'ObjectKeyDestroyed';
  }
}

/**
 * Data keys of stored objects (SPEC 5: the redacted copy, the preview and
 * model artifacts are encrypted with keys of their own, wrapped by the master
 * key). Raw statements, so they work inside or outside a unit of work and a
 * destroyed key is gone at once.
 */
export class ObjectKeys {
  constructor(private readonly master: MasterKeys) {}

  /** The owner's key, made on first use (idempotent: a retried job gets the key it made before). */
  async obtain(em: EntityManager, owner: ObjectKeyOwner, id: string): Promise<Buffer> {
    const key = newDataKey();
    await em.execute(
      'insert into object_keys (id, owner, wrapped_key, key_version, created_at) values (?, ?, ?, ?, now()) on conflict (id) do nothing',
      [id, owner, this.master.wrapWith(wrapAad(owner, id), key), this.master.currentVersion],
    );
    const existing = await this.find(em, owner, id);
    if (!existing) throw new ObjectKeyDestroyed();
    return existing;
  }

  /** The owner's key; null when there is none (an object written before encryption); ObjectKeyDestroyed once destroyed. */
  async find(em: EntityManager, owner: ObjectKeyOwner, id: string): Promise<Buffer | null> {
    const [row] = await em.execute<Row[]>(
      'select id, owner, wrapped_key as "wrappedKey", key_version as "keyVersion" from object_keys where id = ? and owner = ?', [id, owner],
    );
    if (!row) return null;
    if (!row.wrappedKey) throw new ObjectKeyDestroyed();
    return this.master.unwrapWith(wrapAad(owner, id), row.wrappedKey, row.keyVersion);
  }

  async get(em: EntityManager, owner: ObjectKeyOwner, id: string): Promise<Buffer> {
    const key = await this.find(em, owner, id);
    if (!key) throw new ObjectKeyDestroyed();
    return key;
  }

  /** Crypto-shredding: every copy of the owner's objects, wherever it survives, becomes noise. */
  destroy(em: EntityManager, owner: ObjectKeyOwner, ids: string[]): Promise<void> {
    return destroyObjectKeys(em, owner, ids);
  }

  /** Re-wraps object keys not under the current master key (the rotation CLI calls it beside subjects' keys). */
  async rotate(em: EntityManager, batchSize = 500): Promise<number> {
    let rewrapped = 0;
    for (;;) {
      const done = await em.transactional(async (tx) => {
        const rows = await tx.execute<Row[]>(
          `select id, owner, wrapped_key as "wrappedKey", key_version as "keyVersion" from object_keys
           where wrapped_key is not null and key_version <> ? order by id limit ? for update skip locked`,
          [this.master.currentVersion, batchSize],
        );
        for (const row of rows) {
          const key = this.master.unwrapWith(wrapAad(row.owner, row.id), row.wrappedKey!, row.keyVersion);
          await tx.execute('update object_keys set wrapped_key = ?, key_version = ? where id = ?',
            [this.master.wrapWith(wrapAad(row.owner, row.id), key), this.master.currentVersion, row.id]);
        }
        return rows.length;
      });
      rewrapped += done;
      if (done < batchSize) return rewrapped;
    }
  }
}

/** Destroying needs no master key: what only destroys keys (the sweep) takes this. */
export async function destroyObjectKeys(em: EntityManager, owner: ObjectKeyOwner, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.execute('update object_keys set wrapped_key = null, destroyed_at = coalesce(destroyed_at, now()) where owner = ? and id in (?)', [owner, ids]);
}

export type KeyShredder = Pick<ObjectKeys, 'destroy'>;
export const keyShredder: KeyShredder = { destroy: destroyObjectKeys };

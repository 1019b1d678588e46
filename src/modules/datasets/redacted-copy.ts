import { createInterface } from 'node:readline';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ObjectKeyOwner } from '../../privacy/object-key.entity';
import type { ObjectKeys } from '../../privacy/object-keys';
import { streamDecrypted } from '../../storage/encrypted';
import type { Storage } from '../../storage/storage';
import type { Dataset, StoredRecord } from './dataset.entity';

/** A READY dataset's redacted records, decrypted as they stream (the only copy a model is ever trained on). */
export async function* readRedactedRecords(em: EntityManager, storage: Storage, keys: ObjectKeys, dataset: Pick<Dataset, 'id' | 'redactedKey'>): AsyncGenerator<StoredRecord> {
  const key = await keys.get(em, ObjectKeyOwner.DATASET, dataset.id);
  const lines = createInterface({ input: await streamDecrypted(storage, dataset.redactedKey!, key), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line) as StoredRecord;
}

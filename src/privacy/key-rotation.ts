import type { EntityManager } from '@mikro-orm/postgresql';
import type { MasterKeys } from './key-ring';
import { ObjectKeys } from './object-keys';
import type { SubjectKey } from './subject-key.entity';

/**
 * Re-wraps every live data key not yet under the current master key, in
 * batches, each in its own transaction; safe to stop and run again. The data
 * itself is untouched: only the small wrapped keys change.
 */
export async function rotateMasterKey(em: EntityManager, master: MasterKeys, batchSize = 500): Promise<number> {
  let rewrapped = 0;
  for (;;) {
    const done = await em.transactional(async (tx) => {
      const rows = await tx.execute<SubjectKey[]>(
        `select subject_id as "subjectId", wrapped_key as "wrappedKey", key_version as "keyVersion" from subject_keys
         where wrapped_key is not null and key_version <> ? order by subject_id limit ? for update skip locked`,
        [master.currentVersion, batchSize],
      );
      for (const row of rows) {
        const key = master.unwrap(row)!;
        await tx.execute('update subject_keys set wrapped_key = ?, key_version = ? where subject_id = ?', [master.wrap(row.subjectId, key), master.currentVersion, row.subjectId]);
      }
      return rows.length;
    });
    rewrapped += done;
    // Objects' keys (datasets, model artifacts) are wrapped by the same master key.
    if (done < batchSize) return rewrapped + (await new ObjectKeys(master).rotate(em, batchSize));
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { User } from '../modules/users/user.entity';
import { blindIndex } from './cipher';
import type { MasterKeys } from './key-ring';
import { KeyRing, SubjectKeyUnreadable } from './key-ring';
import { openPersonal } from './personal-data';

/**
 * The keyed look-up index of emails. While BLIND_INDEX_KEY is being rotated,
 * look-ups also try the previous key, so every account keeps signing in until
 * `rotate-blind-index` has re-indexed it.
 */
export class EmailIndex {
  constructor(private readonly config: Pick<Config, 'blindIndexKey' | 'previousBlindIndexKey'>) {}

  current(normalizedEmail: string): string {
    return blindIndex(this.config.blindIndexKey, normalizedEmail);
  }

  candidates(normalizedEmail: string): string[] {
    const previous = this.config.previousBlindIndexKey;
    return previous ? [this.current(normalizedEmail), blindIndex(previous, normalizedEmail)] : [this.current(normalizedEmail)];
  }

  /**
   * Recomputes every index under the current key from the decrypted email, in
   * batches (keyset over id); shredded accounts have no readable email and keep
   * no index. Safe to stop and run again. An account whose data key cannot be
   * opened keeps its old index and is reported, so one damaged key does not
   * hold every account after it on the previous key.
   */
  async rotate(em: EntityManager, master: MasterKeys, batchSize = 500): Promise<{ changed: number; unreadable: string[] }> {
    let changed = 0;
    const unreadable: string[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const fork = em.fork();
      const users = await fork.find(User, { id: { $gt: after }, emailEnc: { $ne: null } }, { orderBy: { id: 'asc' }, limit: batchSize });
      if (users.length === 0) return { changed, unreadable };
      const keys = new KeyRing(fork, master);
      for (const user of users) {
        // A key or an email that does not open is this account's; a database failure is the command's.
        let key: Buffer | null;
        try {
          key = await keys.get(user.id);
        } catch (error) {
          if (!(error instanceof SubjectKeyUnreadable)) throw error;
          unreadable.push(user.id);
          continue;
        }
        let email: string | null;
        try {
          email = openPersonal(key, 'User', 'emailEnc', user.id, user.emailEnc);
        } catch {
          unreadable.push(user.id); // a damaged ciphertext: decryption is all that can fail here
          continue;
        }
        const index = email ? this.current(email) : null;
        if (index !== user.emailIndex) {
          user.emailIndex = index;
          changed += 1;
        }
      }
      await fork.flush();
      after = users[users.length - 1].id;
    }
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Deletes sessions (and, by cascade, their refresh tokens) that expired or
 * were revoked more than a day ago: nothing can use them any more. Idempotent.
 */
export async function expireSessions(em: EntityManager, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - 24 * 3600 * 1000);
  const rows = await em.execute<{ id: string }[]>(
    'delete from sessions where expires_at < ? or revoked_at < ? returning id',
    [cutoff, cutoff],
  );
  return rows.length;
}

import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs fn in a transaction on this very entity manager (not a fork), so the
 * request's managed entities, its flush and raw statements all commit or roll
 * back together. Nested calls join the outer transaction.
 */
export async function inTransaction<T>(em: EntityManager, fn: () => Promise<T>): Promise<T> {
  if (em.isInTransaction()) {
    const result = await fn();
    await em.flush();
    return result;
  }
  await em.begin();
  try {
    const result = await fn();
    await em.commit();
    return result;
  } catch (error) {
    await em.rollback();
    throw error;
  }
}

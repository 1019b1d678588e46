import type { MikroORM } from '@mikro-orm/postgresql';
import { purgePlan } from '../modules/retention/purge-plan';

const TTL_MS = 5 * 60_000;
let cached: { at: number; counts: Promise<Record<string, number>> } | null = null;

/**
 * Rows past their retention period that the purge has not removed yet, per
 * data category: the purge's own plan (registry x retention policies) counted
 * as a dry run would. Anything above 0 a day after a purge is lateness.
 * Counted at most every 5 minutes (a count walks the tables).
 */
export function expiredRecordCounts(orm: MikroORM): Promise<Record<string, number>> {
  if (cached && Date.now() - cached.at < TTL_MS) return cached.counts;
  const counts = (async () => {
    const em = orm.em.fork();
    const out: Record<string, number> = {};
    for (const step of await purgePlan(em, new Date())) out[step.category] = (out[step.category] ?? 0) + (await step.count(em));
    return out;
  })();
  cached = { at: Date.now(), counts };
  counts.catch(() => { cached = null; });
  return counts;
}

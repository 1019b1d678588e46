import type { EntityManager } from '@mikro-orm/postgresql';
import { clearProperties } from '../../privacy/erasure';
import { type LifecycleTarget, lifecycleTargets, type RetentionPolicyRow, retentionPolicies } from '../../privacy/lifecycle';
import type { Storage } from '../../storage/storage';
import { DataCategory, RetentionAction, RetentionTrigger } from '../policies/policy.entity';

// The purge is registry x retention policies: every DELETE or SEPARATE policy
// acts on the registry's row classes of its category (src/privacy/registry.ts
// `lifecycle`), with the condition its trigger implies. No table list here.

/** Which consent's withdrawal starts a CONSENT_WITHDRAWN period. */
export const CONSENT_OF: Partial<Record<DataCategory, string>> = {
  [DataCategory.HEALTH_DATA]: 'HEALTH_DATA',
  [DataCategory.MARKETING_CONSENT]: 'MARKETING',
};

/** Rows per statement: large enough to run near a plain DELETE, small enough that no lock is held for long. */
export const PURGE_CHUNK = 50_000;

export interface PurgeStep {
  category: DataCategory;
  action: RetentionAction;
  /** What it acts on, for the record and the tests. */
  entity: string;
  count(em: EntityManager): Promise<number>;
  run(em: EntityManager, storage: Storage): Promise<number>;
}

/** The SQL condition selecting a target's expired rows at `now`, and its parameters. */
function expiredWhere(target: LifecycleTarget, policy: RetentionPolicyRow, now: Date): { sql: string; params: unknown[] } | null {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const { rowClass } = target;
  if (rowClass.where) conditions.push(`(${rowClass.where})`);
  if (rowClass.purgeWhere) conditions.push(`(${rowClass.purgeWhere})`);
  const subject = target.subjectColumn ? `${target.table}.${target.subjectColumn}` : null;
  switch (policy.trigger) {
    case RetentionTrigger.COLLECTED:
      if (!target.collectedAtColumn) return null;
      conditions.push(`${target.table}.${target.collectedAtColumn} < ?::timestamptz - ?::interval`);
      params.push(now, policy.period);
      break;
    case RetentionTrigger.CONSENT_WITHDRAWN: {
      const purpose = CONSENT_OF[policy.category];
      if (!purpose || !subject) return null;
      conditions.push(`${subject} in (select user_id from (select distinct on (user_id) user_id, granted, at from consent_events
        where purpose = ? order by user_id, at desc, id desc) c where not granted and c.at <= ?::timestamptz - ?::interval)`);
      params.push(purpose, now, policy.period);
      break;
    }
    case RetentionTrigger.WITHDRAWAL:
      if (!subject) return null;
      conditions.push(`${subject} in (select id from users where status = 'WITHDRAWN' and withdrawn_at <= ?::timestamptz - ?::interval)`);
      params.push(now, policy.period);
      break;
    case RetentionTrigger.MODEL_TRAINED:
      // The class's own condition says the model exists (the dataset was consumed).
      if (!rowClass.where) return null;
      break;
    default:
      return null;
  }
  if (subject) {
    conditions.push(`(${subject} is null or not exists (select 1 from legal_holds h where h.subject_id = ${subject}
      and h.released_at is null and (h.until is null or h.until > ?)))`);
    params.push(now);
  }
  return { sql: conditions.join(' and '), params };
}

/**
 * One pass over the table in ranges of pages (PostgreSQL's TID range scan), each
 * range one statement of about PURGE_CHUNK rows: no range is scanned twice, so
 * rows already deleted are never walked again (a repeated `limit` scan would
 * walk them every time). Pages added while it runs get a last range of their own;
 * a row an update moved behind the cursor is left for the next day's run.
 */
/**
 * One chunk in a transaction of its own, JIT off: PostgreSQL would compile
 * every chunk's plan (about 0.4 s each here), costing more than the delete.
 */
async function chunk(em: EntityManager, statement: string, params: unknown[]): Promise<number> {
  return em.transactional(async (tx) => {
    await tx.execute('set local jit = off');
    const [{ n }] = await tx.execute<{ n: number }[]>(statement, params);
    return n;
  });
}

async function inPageRanges(em: EntityManager, table: string, statement: (range: string) => string, params: unknown[]): Promise<number> {
  const [{ pages, perPage }] = await em.execute<{ pages: number; perPage: number }[]>(
    `select (pg_relation_size(?::regclass) / current_setting('block_size')::int)::int as pages,
       coalesce(nullif(c.reltuples, -1) / nullif(c.relpages, 0), 100)::float as "perPage"
     from pg_class c where c.oid = ?::regclass`, [table, table]);
  const step = Math.max(1, Math.floor(PURGE_CHUNK / Math.max(1, perPage)));
  let total = 0;
  for (let lo = 0; lo < pages; lo += step) total += await chunk(em, statement(`ctid >= '(${lo},0)'::tid and ctid < '(${lo + step},0)'::tid`), params);
  return total + await chunk(em, statement(`ctid >= '(${pages},0)'::tid`), params);
}

async function inChunks(em: EntityManager, statement: (limit: number) => string, params: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await chunk(em, statement(PURGE_CHUNK), params);
    total += n;
    if (n < PURGE_CHUNK) return total;
  }
}

function stepFor(target: LifecycleTarget, policy: RetentionPolicyRow, now: Date): PurgeStep | null {
  const expired = expiredWhere(target, policy, now);
  if (!expired) return null;
  const { table, rowClass } = target;
  const { sql, params } = expired;
  const base = { category: policy.category, action: policy.action as RetentionAction, entity: target.entity };
  const count = async (em: EntityManager) => (await em.execute<{ n: number }[]>(`select count(*)::int as n from ${table} where ${sql}`, params))[0].n;

  if (rowClass.purgeFunction) {
    // Append-only rows leave through the database's own function (the access log keeps its chain and role changes).
    return { ...base, count, run: async (em) => (await em.execute<{ n: number }[]>(`select ${rowClass.purgeFunction}() as n`))[0].n };
  }
  if (rowClass.properties) {
    return {
      ...base,
      count,
      run: async (em, storage) => {
        if (rowClass.holdsObjects) {
          const columns = target.propertyColumns.map((c) => c.column);
          const rows = await em.execute<Record<string, string | null>[]>(`select ${columns.join(', ')} from ${table} where ${sql}`, params);
          for (const row of rows) for (const column of columns) if (row[column]) await storage.delete(row[column]!);
        }
        return clearProperties(em, target, sql, ...params);
      },
    };
  }
  if (rowClass.onErase === 'unlink' && target.subjectColumn) {
    return {
      ...base,
      count: async (em) => (await em.execute<{ n: number }[]>(`select count(*)::int as n from ${table} where ${sql} and ${target.subjectColumn} is not null`, params))[0].n,
      run: (em) => inChunks(em, (limit) => `with doomed as (select ctid from ${table} where ${sql} and ${target.subjectColumn} is not null limit ${limit})
        , done as (update ${table} set ${target.subjectColumn} = null where ctid in (select ctid from doomed) returning 1) select count(*)::int as n from done`, params),
    };
  }
  return {
    ...base,
    count,
    // One statement per range of pages: no id round trips, no long-held locks, no row scanned twice.
    run: (em) => inPageRanges(em, table, (range) => `with done as (delete from ${table} where ${range} and ${sql} returning 1)
      select count(*)::int as n from done`, params),
  };
}

/** The separate store's records of a category whose retainUntil has passed. */
function separateStoreStep(category: DataCategory, now: Date): PurgeStep {
  const where = 'category = ? and retain_until <= ?';
  return {
    category, action: RetentionAction.SEPARATE, entity: 'SeparatedRecord',
    count: async (em) => (await em.execute<{ n: number }[]>(`select count(*)::int as n from separate_store.retained_records where ${where}`, [category, now]))[0].n,
    run: (em) => inChunks(em, (limit) => `with done as (delete from separate_store.retained_records where ctid = any(array(
      select ctid from separate_store.retained_records where ${where} limit ${limit})) returning 1) select count(*)::int as n from done`, [category, now]),
  };
}

/** Every step of a purge at `now`: for each DELETE or SEPARATE policy, its registry targets (and for SEPARATE, the separate store). */
export async function purgePlan(em: EntityManager, now: Date): Promise<PurgeStep[]> {
  const policies = await retentionPolicies(em);
  const steps: PurgeStep[] = [];
  for (const policy of policies.values()) {
    if (policy.action !== RetentionAction.DELETE && policy.action !== RetentionAction.SEPARATE) continue;
    for (const target of lifecycleTargets(em)) {
      if (target.rowClass.category !== policy.category) continue;
      const step = stepFor(target, policy, now);
      if (step) steps.push(step);
    }
    if (policy.action === RetentionAction.SEPARATE) steps.push(separateStoreStep(policy.category, now));
  }
  return steps;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { DataCategory } from '../modules/policies/policy.entity';
import type { ErasureReportData } from '../modules/data-subject-requests/dsr.entity';
import { PERSONAL_DATA_REGISTRY, type RowClass } from './registry';
import { lifecycleTargets, type LifecycleTarget, retentionPolicies } from './lifecycle';

/** A subject with a hold in force keeps everything until an officer releases it. */
export async function legalHoldInForce(em: EntityManager, subjectId: string, now = new Date()): Promise<{ until: Date | null } | null> {
  const [hold] = await em.execute<{ until: Date | null }[]>(
    'select until from legal_holds where subject_id = ? and released_at is null and (until is null or until > ?) order by until desc nulls first limit 1',
    [subjectId, now],
  );
  return hold ?? null;
}

export interface ErasureOutcome {
  report: ErasureReportData;
  /** S3 objects of the subject to delete once the transaction commits. */
  objectKeys: string[];
}

const ALL = Object.values(DataCategory);

/**
 * The one erasure engine, behind ERASURE requests and withdraw: it walks the
 * registry's row classes (src/privacy/registry.ts `lifecycle`) for the chosen
 * categories, or all of them, and for each deletes, clears, unlinks, moves to
 * the separate store, or keeps (and says why). A full erasure also closes the
 * account, ends its sessions and destroys the subject's key. Runs in the
 * caller's transaction; the caller checks legal holds first.
 */
export async function eraseSubject(em: EntityManager, subjectId: string, chosen: readonly DataCategory[] | 'ALL', now = new Date()): Promise<ErasureOutcome> {
  const full = chosen === 'ALL' || chosen.length === 0;
  const categories = new Set<DataCategory>(full ? ALL : chosen);
  const policies = await retentionPolicies(em);
  const counts: Record<string, number> = {};
  const erased = new Set<DataCategory>();
  const retained = new Map<string, { category: string; count: number; legalBasis: string; retainUntil: Date }>();
  const keep = (category: string, count: number, legalBasis: string, at: Date | string | null) => {
    if (count === 0 || !at) return;
    // The driver answers timestamps as Date or text depending on the expression.
    const retainUntil = new Date(at);
    const key = `${category}:${legalBasis}`;
    const prior = retained.get(key);
    if (prior) {
      prior.count += count;
      if (retainUntil > prior.retainUntil) prior.retainUntil = retainUntil;
    } else retained.set(key, { category, count, legalBasis, retainUntil });
  };

  // Export files go with the account (their rows stay as the complaint record).
  const objectKeys = full
    ? (await em.execute<{ export_key: string }[]>('select export_key from data_subject_requests where subject_id = ? and export_key is not null', [subjectId])).map((r) => r.export_key)
    : [];

  for (const target of lifecycleTargets(em)) {
    if (!target.subjectColumn || !categories.has(target.rowClass.category)) continue;
    const { rowClass } = target;
    const policy = policies.get(rowClass.category);
    const where = `${target.subjectColumn} = ?${rowClass.where ? ` and (${rowClass.where})` : ''}`;
    const action = rowClass.onErase ?? 'delete';
    if (action === 'keep' || (rowClass.fullErasureOnly && !full)) {
      const until = await retainUntilOf(em, target, where, subjectId, policy?.period ?? 'P0D');
      keep(rowClass.category, until.count, rowClass.keptBecause ?? (rowClass.fullErasureOnly ? `${policy?.legalBasis ?? ''} (kept while the account is open)`.trim() : policy?.legalBasis ?? ''), until.at);
      continue;
    }
    erased.add(rowClass.category);
    let n = 0;
    if (action === 'separate') {
      n = await separate(em, target, where, subjectId, policy?.period ?? 'P0D', policy?.legalBasis ?? '', now);
      const until = await em.execute<{ n: number; at: Date | null }[]>(
        'select count(*)::int as n, max(retain_until) as at from separate_store.retained_records where subject_id = ? and category = ? and source = ?',
        [subjectId, rowClass.category, target.entity],
      );
      keep(rowClass.category, until[0].n, policy?.legalBasis ?? '', until[0].at);
    } else if (rowClass.properties) {
      n = await clearProperties(em, target, where, subjectId);
    } else if (action === 'unlink') {
      n = (await em.execute<unknown[]>(`update ${target.table} set ${target.subjectColumn} = null where ${where} returning 1`, [subjectId])).length;
    } else {
      n = (await em.execute<unknown[]>(`delete from ${target.table} where ${where} returning 1`, [subjectId])).length;
    }
    counts[rowClass.category] = (counts[rowClass.category] ?? 0) + n;
  }

  if (full) {
    // The account closes: a tombstone with its id, role and dates; the key that encrypted the rest is destroyed.
    await em.execute(
      `update users set status = 'WITHDRAWN', withdrawn_at = coalesce(withdrawn_at, ?), processing_suspended = false, failed_sign_ins = 0,
         organization_id = null where id = ?`,
      [now, subjectId],
    );
    await em.execute('update data_subject_requests set export_key = null where subject_id = ?', [subjectId]);
    await em.execute('update subject_keys set wrapped_key = null, destroyed_at = coalesce(destroyed_at, ?) where subject_id = ?', [now, subjectId]);
  }

  return {
    report: {
      erasedCategories: ALL.filter((c) => erased.has(c)),
      retained: [...retained.values()].map((r) => ({ ...r, retainUntil: r.retainUntil.toISOString() })),
      completedAt: now.toISOString(),
      counts,
    },
    objectKeys,
  };
}

async function retainUntilOf(em: EntityManager, target: LifecycleTarget, where: string, subjectId: string, period: string): Promise<{ count: number; at: Date | null }> {
  const at = target.collectedAtColumn ? `max(${target.collectedAtColumn}) + ?::interval` : `?::timestamptz`;
  const [row] = await em.execute<{ n: number; at: Date | null }[]>(
    `select count(*)::int as n, ${at} as at from ${target.table} where ${where}`,
    target.collectedAtColumn ? [period, subjectId] : [new Date(Date.now() + 24 * 3600_000), subjectId],
  );
  return { count: row.n, at: row.at };
}

/** Moves the rows to the separate store with their legal basis and retainUntil (collection + period); free text stays behind and goes. */
async function separate(em: EntityManager, target: LifecycleTarget, where: string, subjectId: string, period: string, legalBasis: string, now: Date): Promise<number> {
  const collected = target.collectedAtColumn ?? 'now()';
  const dropped = target.encryptedColumns.length ? ` - array[${target.encryptedColumns.map((c) => `'${c}'`).join(', ')}]::text[]` : '';
  await em.execute(
    `insert into separate_store.retained_records (id, subject_id, category, source, legal_basis, retain_until, separated_at, data)
     select gen_random_uuid(), ?, ?, ?, ?, ${collected} + ?::interval, ?, to_jsonb(t)${dropped}
     from ${target.table} t where ${where} and ${collected} + ?::interval > ?`,
    [subjectId, target.rowClass.category, target.entity, legalBasis, period, now, subjectId, period, now],
  );
  return (await em.execute<unknown[]>(`delete from ${target.table} where ${where} returning 1`, [subjectId])).length;
}

/** Clears the class's properties (null, or the column's default where it has no null); the row stays. */
export async function clearProperties(em: EntityManager, target: LifecycleTarget, where: string, ...params: unknown[]): Promise<number> {
  const sets = target.propertyColumns.map((c) => `${c.column} = ${c.nullable ? 'null' : c.defaultSql}`).join(', ');
  const dirty = target.propertyColumns.filter((c) => c.nullable).map((c) => `${c.column} is not null`).join(' or ') || 'true';
  return (await em.execute<unknown[]>(`update ${target.table} set ${sets} where ${where} and (${dirty}) returning 1`, params)).length;
}

export type { RowClass };
export { PERSONAL_DATA_REGISTRY };

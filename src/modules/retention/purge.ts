import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { safeErrorMessage } from '../../logging/safe-error';
import type { Storage } from '../../storage/storage';
import { DataCategory, RetentionAction } from '../policies/policy.entity';
import { type PurgeCountData, PurgeRun, PurgeRunStatus } from './retention.entity';
import { sweepStorage } from './sweep';

const BATCH = 1000;
const HELD = `(select subject_id from legal_holds where released_at is null and (until is null or until > now()))`;
const HEALTH_WITHDRAWN = `(select user_id from (
    select distinct on (user_id) user_id, granted from consent_events where purpose = 'HEALTH_DATA' order by user_id, at desc, id desc
  ) c where not granted and user_id not in ${HELD})`;

/** One table's expired rows: `where` selects them (it may use now()); deleted in batches by key (default id). */
interface Target { table: string; where: string; key?: string }
interface Step { category: DataCategory; action: RetentionAction; targets: Target[] }

// Periods from SPEC 9 (the retention_policies table says the same to clients).
const STEPS: Step[] = [
  { category: DataCategory.WEB_VISIT_LOG, action: RetentionAction.DELETE, targets: [
    { table: 'web_visits', where: `at < now() - interval '3 months' and (user_id is null or user_id not in ${HELD})` },
  ] },
  { category: DataCategory.SERVICE_USAGE_RECORD, action: RetentionAction.DELETE, targets: [
    { table: 'usage_events', where: `at < now() - interval '3 years' and user_id not in ${HELD}` },
    { table: 'recommendation_feedback', where: `created_at < now() - interval '3 years' and user_id not in ${HELD}` },
  ] },
  { category: DataCategory.CONVERSATION_LOG, action: RetentionAction.DELETE, targets: [
    { table: 'chat_messages', where: `created_at < now() - interval '1 year' and user_id not in ${HELD}` },
    { table: 'conversations', where: `updated_at < now() - interval '1 year' and user_id not in ${HELD} and not exists (select 1 from chat_messages m where m.conversation_id = conversations.id)` },
  ] },
  // HEALTH_DATA goes at once when its consent is withdrawn (missions were paused then).
  { category: DataCategory.HEALTH_DATA, action: RetentionAction.DELETE, targets: [
    { table: 'mission_check_ins', where: `user_id in ${HEALTH_WITHDRAWN}` },
    { table: 'missions', where: `user_id in ${HEALTH_WITHDRAWN}` },
    { table: 'health_profiles', where: `user_id in ${HEALTH_WITHDRAWN}`, key: 'user_id' },
  ] },
];

async function count(em: EntityManager, target: Target): Promise<number> {
  const [{ n }] = await em.execute<{ n: number }[]>(`select count(*)::int as n from ${target.table} where ${target.where}`);
  return n;
}

async function deleteAll(em: EntityManager, target: Target): Promise<number> {
  let total = 0;
  for (;;) {
    const key = target.key ?? 'id';
    const rows = await em.execute<{ id: string }[]>(
      `delete from ${target.table} where ${key} in (select ${key} from ${target.table} where ${target.where} limit ${BATCH}) returning ${key}`,
    );
    total += rows.length;
    if (rows.length < BATCH) return total;
  }
}

/**
 * The retention purge: idempotent (a second run finds nothing), batched, and
 * it keeps the data of subjects under a legal hold. Dry runs only count.
 */
export async function executePurge(orm: MikroORM, storage: Storage, runId: string): Promise<void> {
  const em = orm.em.fork();
  const run = await em.findOne(PurgeRun, runId);
  if (!run || run.status !== PurgeRunStatus.RUNNING) return;
  const counts: PurgeCountData[] = [];
  let failure: unknown = null;
  try {
    for (const step of STEPS) {
      let n = 0;
      for (const target of step.targets) n += run.dryRun ? await count(em, target) : await deleteAll(em, target);
      counts.push({ category: step.category, action: step.action, count: n });
    }
    // The access log leaves as a prefix, through the database's own function (it keeps role changes 3 years).
    const access = run.dryRun
      ? (await em.execute<{ n: number }[]>(`select count(*)::int as n from access_log where at < now() - interval '2 years'`))[0].n
      : (await em.execute<{ n: number }[]>('select purge_access_log() as n'))[0].n;
    counts.push({ category: DataCategory.ACCESS_LOG, action: RetentionAction.DELETE, count: access });
    // Training data: files of consumed datasets that a failed clean-up may have left.
    const leftovers = await em.execute<{ id: string; raw_key: string | null; redacted_key: string | null }[]>(
      "select id, raw_key, redacted_key from datasets where status = 'CONSUMED' and (raw_key is not null or redacted_key is not null)",
    );
    if (!run.dryRun) {
      for (const d of leftovers) {
        for (const key of [d.raw_key, d.redacted_key]) if (key) await storage.delete(key);
        await em.execute('update datasets set raw_key = null, redacted_key = null where id = ?', [d.id]);
      }
    }
    counts.push({ category: DataCategory.TRAINING_DATA, action: RetentionAction.DELETE, count: leftovers.length });
    // Storage: every object no live row owns, counted per prefix (sweep.ts).
    counts.push(...(await sweepStorage(orm, storage, { dryRun: run.dryRun })));
    run.counts = counts;
    run.status = PurgeRunStatus.SUCCEEDED;
  } catch (error) {
    failure = error;
    run.counts = counts;
    run.status = PurgeRunStatus.FAILED;
    // The row keeps the safe message only; the worker logs the error itself (scrubbed).
    run.error = safeErrorMessage(error).slice(0, 500);
  }
  run.finishedAt = new Date();
  await em.flush();
  if (run.status === PurgeRunStatus.FAILED) throw failure;
}

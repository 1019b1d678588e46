import type { MikroORM } from '@mikro-orm/postgresql';
import { safeErrorMessage } from '../../logging/safe-error';
import type { Storage } from '../../storage/storage';
import { purgePlan } from './purge-plan';
import { type PurgeCountData, PurgeRun, PurgeRunStatus } from './retention.entity';
import { sweepStorage } from './sweep';

/**
 * The retention purge: registry x retention policies (purge-plan.ts),
 * idempotent (a second run finds nothing), chunked, and it keeps the data of
 * subjects under a legal hold. Dry runs only count. A FAILED run is run again
 * by the job's retry, in the same PurgeRun. `now` is the clock (tests set it).
 */
export async function executePurge(orm: MikroORM, storage: Storage, runId: string, now: Date = new Date()): Promise<void> {
  const em = orm.em.fork();
  const run = await em.findOne(PurgeRun, runId);
  if (!run || run.status === PurgeRunStatus.SUCCEEDED) return;
  run.status = PurgeRunStatus.RUNNING;
  run.error = null;
  await em.flush();
  const counts = new Map<string, PurgeCountData>();
  let failure: unknown = null;
  try {
    for (const step of await purgePlan(em, now)) {
      const n = run.dryRun ? await step.count(em) : await step.run(em, storage);
      const key = `${step.category}:${step.action}`;
      const prior = counts.get(key) ?? { category: step.category, action: step.action, count: 0 };
      prior.count += n;
      counts.set(key, prior);
    }
    // Storage: every object no live row owns, counted per prefix (sweep.ts).
    for (const swept of await sweepStorage(orm, storage, { dryRun: run.dryRun })) counts.set(`${swept.category}:${swept.action}:${swept.prefix}`, swept);
    run.counts = [...counts.values()];
    run.status = PurgeRunStatus.SUCCEEDED;
  } catch (error) {
    failure = error;
    run.counts = [...counts.values()];
    run.status = PurgeRunStatus.FAILED;
    // The row keeps the safe message only; the worker logs the error itself (scrubbed).
    run.error = safeErrorMessage(error).slice(0, 500);
  }
  run.finishedAt = new Date();
  await em.flush();
  if (run.status === PurgeRunStatus.FAILED) throw failure;
}

/** A run whose job is gone or out of retries ends FAILED with the reason (the reconciler, or the job's last failure). */
export async function failPurgeRun(orm: MikroORM, runId: string, error: unknown): Promise<void> {
  await orm.em.fork().execute(
    `update purge_runs set status = 'FAILED', error = ?, finished_at = now() where id = ? and status = 'RUNNING'`,
    [safeErrorMessage(error).slice(0, 500), runId],
  );
}

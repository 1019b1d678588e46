import type { MikroORM } from '@mikro-orm/postgresql';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../src/config';
import { enqueue, type JobPayloads } from '../src/db/outbox';
import { KnownFailure } from '../src/logging/safe-error';
import { expireUpload, failValidation } from '../src/modules/datasets/dataset-validation';
import { UPLOAD_URL_TTL_SECONDS } from '../src/modules/datasets/dataset.service';
import type { DataSubjectRequestService } from '../src/modules/data-subject-requests/dsr.service';
import { failTraining } from '../src/modules/models/training';
import { failPurgeRun } from '../src/modules/retention/purge';
import type { KeyShredder } from '../src/privacy/object-keys';
import type { Storage } from '../src/storage/storage';
import { QUEUES } from './queues';

export interface ReconcileDeps {
  orm: MikroORM;
  storage: Storage;
  keys: KeyShredder;
  log: Logger;
  config: Readonly<Pick<Config, 'jobs'>>;
  connection: ConnectionOptions;
  dataSubjectRequests: Pick<DataSubjectRequestService, 'markFailed'>;
}

export interface ReconcileReport { requeued: number; failed: number; expiredUploads: number }

/** An upload may still be completed this long after its link expired. */
const UPLOAD_COMPLETION_GRACE_MS = 3600_000;
/** At most this many rows of each kind per pass. */
const BATCH = 500;
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

type Kind = {
  [Q in keyof JobPayloads]: {
    queue: Q;
    idKey: keyof JobPayloads[Q] & string;
    /** Rows not in a terminal state and not waiting for a person; `since` is their last change. */
    candidates: string;
    fail: (id: string, error: KnownFailure) => Promise<void>;
  }
}[keyof JobPayloads];

/**
 * Nothing waits for ever. Finds rows in a non-terminal state (dataset VALIDATING, training QUEUED or
 * RUNNING, data-subject request open and not waiting for an officer, purge RUNNING) whose BullMQ
 * job is missing (Redis lost it), failed (the final-failure handler did not get through) or never
 * existed, and either queues them again through the outbox (a fresh row, so a fresh job id, with the
 * same payload) or, when their job failed or was lost RECONCILE_MAX_REQUEUES times, moves them to a
 * terminal state with a reason. Uploads never completed past their link's expiry end INVALID.
 *
 * A row is only looked at once its last outbox row is relayed and RECONCILE_GRACE_MS old; each
 * re-queue locks the row and checks no other reconciler queued it meanwhile, so workers running it
 * at the same time queue it once. Idempotent.
 */
export async function reconcile(deps: ReconcileDeps, now = new Date()): Promise<ReconcileReport> {
  const { orm, config, log } = deps;
  const grace = config.jobs.reconcileGraceMs;
  const report: ReconcileReport = { requeued: 0, failed: 0, expiredUploads: 0 };
  const kinds: Kind[] = [
    {
      queue: 'dataset-validation', idKey: 'datasetId',
      candidates: `select id, updated_at as since from datasets where status = 'VALIDATING'`,
      fail: (id) => failValidation(orm, deps.storage, deps.keys, id),
    },
    {
      queue: 'training', idKey: 'trainingJobId',
      candidates: `select id, coalesce(started_at, created_at) as since from training_jobs where status in ('QUEUED', 'RUNNING')`,
      fail: (id, error) => failTraining(orm, id, error),
    },
    {
      queue: 'data-subject-requests', idKey: 'requestId',
      // RECTIFICATION and requests an officer took up, or that wait for one (a legal hold, out of retries), have no job to wait for.
      candidates: `select id, submitted_at as since from data_subject_requests r where status in ('SUBMITTED', 'IN_PROGRESS')
        and type <> 'RECTIFICATION' and failed_at is null and handled_by_id is null
        and not exists (select 1 from jsonb_array_elements(r.events) e where e->>'note' like 'waiting for a privacy officer%')`,
      fail: (id, error) => deps.dataSubjectRequests.markFailed(orm, id, error),
    },
    {
      queue: 'purge', idKey: 'purgeRunId',
      candidates: `select id, started_at as since from purge_runs where status = 'RUNNING'`,
      fail: (id, error) => failPurgeRun(orm, id, error),
    },
  ];

  const queues = new Map<string, Queue>();
  const queueOf = (name: string) => {
    let queue = queues.get(name);
    if (!queue) {
      queues.set(name, (queue = new Queue(name, { connection: deps.connection })));
      queue.on('error', (error) => log.warn({ queue: name, err: error }, 'reconciler: queue error'));
    }
    return queue;
  };
  try {
    for (const kind of kinds) {
      const em = orm.em.fork();
      const rows = await em.execute<{ id: string; since: Date }[]>(`${kind.candidates} and ${sinceColumn(kind.candidates)} < ? order by 2 limit ${BATCH}`, [new Date(now.getTime() - grace)]);
      if (rows.length === 0) continue;
      const queue = queueOf(kind.queue);
      let live: Set<string> | null = null;
      for (const row of rows) {
        const payload = { [kind.idKey]: row.id };
        const outbox = await em.execute<{ id: string; relayed_at: Date | string | null; count: number }[]>(
          `select id, relayed_at, count(*) over ()::int as count from outbox where queue = ? and payload @> ?::jsonb order by created_at desc limit 1`,
          [kind.queue, JSON.stringify(payload)],
        );
        const latest = outbox[0];
        // Not relayed yet, or relayed just now: the relay and BullMQ are on it.
        if (latest && (!latest.relayed_at || new Date(latest.relayed_at).getTime() > now.getTime() - grace)) continue;
        const state = latest ? await queue.getJobState(latest.id) : 'unknown';
        if (LIVE_STATES.has(state)) continue;
        if (state !== 'failed') {
          // The job may live under another id (the daily purge's scheduled job, or a row past the outbox's retention).
          live ??= await liveIds(queue, kind.idKey);
          if (live.has(row.id)) continue;
        }
        const requeues = Math.max(0, (latest?.count ?? 0) - 1);
        if (state === 'failed' || requeues >= config.jobs.reconcileMaxRequeues) {
          const failedReason = state === 'failed' ? (await queue.getJob(latest!.id))?.failedReason : null;
          const reason = state === 'failed'
            ? new KnownFailure(failedReason || 'The job failed after its retries')
            : new KnownFailure(`The job was lost ${requeues + 1} times and was not queued again`);
          await kind.fail(row.id, reason);
          log.warn({ queue: kind.queue, id: row.id, state, requeues }, 'reconciler: row moved to a terminal state');
          report.failed += 1;
          continue;
        }
        if (await requeue(orm, kind, row.id, latest?.id ?? null)) {
          log.warn({ queue: kind.queue, id: row.id, state, requeues }, 'reconciler: job missing, queued again');
          report.requeued += 1;
        }
      }
    }
    report.expiredUploads = await expireUploads(deps, now);
  } finally {
    await Promise.all([...queues.values()].map((q) => q.close()));
  }
  if (report.requeued || report.failed || report.expiredUploads) log.info({ ...report }, 'reconciled');
  return report;
}

const sinceColumn = (sql: string) => /select id, (.+?) as since/.exec(sql)![1];

/** The ids (of one payload key) of every job of the queue still waiting, delayed or running. */
async function liveIds(queue: Queue, idKey: string): Promise<Set<string>> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
  return new Set(jobs.map((job) => (job?.data as Record<string, unknown> | undefined)?.[idKey]).filter((id): id is string => typeof id === 'string'));
}

/** A fresh outbox row with the same payload, unless another reconciler queued the row since `seen` was read. */
async function requeue(orm: MikroORM, kind: Kind, id: string, seen: string | null): Promise<boolean> {
  const table = { 'dataset-validation': 'datasets', training: 'training_jobs', 'data-subject-requests': 'data_subject_requests', purge: 'purge_runs', maintenance: null }[kind.queue];
  const payload = { [kind.idKey]: id };
  return orm.em.fork().transactional(async (tx) => {
    await tx.execute(`select id from ${table} where id = ? for update`, [id]);
    const [latest] = await tx.execute<{ id: string }[]>(
      'select id from outbox where queue = ? and payload @> ?::jsonb order by created_at desc limit 1', [kind.queue, JSON.stringify(payload)],
    );
    if ((latest?.id ?? null) !== seen) return false;
    enqueue(tx, kind.queue, payload as never);
    return true;
  });
}

async function expireUploads(deps: ReconcileDeps, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - UPLOAD_URL_TTL_SECONDS * 1000 - UPLOAD_COMPLETION_GRACE_MS);
  const rows = await deps.orm.em.fork().execute<{ id: string }[]>(
    `select id from datasets where status = 'AWAITING_UPLOAD' and created_at < ? order by created_at limit ${BATCH}`, [cutoff],
  );
  let expired = 0;
  for (const row of rows) {
    if (await expireUpload(deps.orm, deps.storage, row.id, 'The upload was not completed before its link expired; create the dataset again')) expired += 1;
  }
  return expired;
}

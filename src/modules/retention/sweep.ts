import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { ObjectKeyOwner } from '../../privacy/object-key.entity';
import { type KeyShredder, keyShredder } from '../../privacy/object-keys';
import type { Storage } from '../../storage/storage';
import { datasetIdOf } from '../datasets/dataset-objects';
import { failValidation } from '../datasets/dataset-validation';
import { artifactOwnerOf } from '../models/artifact-store';
import { DataCategory, RetentionAction } from '../policies/policy.entity';
import { EXPORT_RETENTION_DAYS } from '../data-subject-requests/dsr.entity';
import type { PurgeCountData } from './retention.entity';

// The storage sweep (SPEC 5: every object in the bucket is owned by a live
// row; a sweep removes the rest). Each prefix the app writes has an owner
// lookup: given a page of object names, which of them no live row owns. An
// object whose row may not be committed yet (no row at all) is given a grace
// period; an object a row may still name a moment later is never at risk,
// because every writer names its object on the row before writing it.

export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
/** A VALIDATING dataset untouched this long lost its job: the sweep ends it as the last retry would. */
const STALE_VALIDATION = `interval '1 hour'`;
const HELD = `(select subject_id from legal_holds where released_at is null and (until is null or until > now()))`;

export interface ListedObject { key: string; lastModified: Date | null }

interface SweepContext { em: EntityManager; now: number; graceMs: number }

interface PrefixOwner {
  prefix: string;
  category: DataCategory;
  /** The names in the page that no live row owns (and no legal hold keeps). */
  unowned(ctx: SweepContext, page: ListedObject[]): Promise<string[]>;
  /** After the page's unowned objects are gone: what the rows still say about them (keys named, data keys). */
  afterDelete?(ctx: SweepContext, deleted: string[], keys: KeyShredder): Promise<void>;
}

const pastGrace = (ctx: SweepContext, object: ListedObject) => !object.lastModified || ctx.now - object.lastModified.getTime() > ctx.graceMs;

const TERMINAL = ['DELETED', 'CONSUMED', 'INVALID'];

/** Which of its objects a dataset row owns, by status: none once it is DELETED, CONSUMED or INVALID. */
interface DatasetRow { id: string; status: string; upload_key: string | null; raw_key: string | null; redacted_key: string | null; held: boolean }
function ownedBy(row: DatasetRow): (string | null)[] {
  switch (row.status) {
    case 'AWAITING_UPLOAD': return [row.upload_key, row.raw_key];
    case 'VALIDATING': return [row.raw_key, row.redacted_key];
    case 'READY': return [row.redacted_key];
    default: return [];
  }
}

const datasets: PrefixOwner = {
  prefix: 'datasets/',
  category: DataCategory.TRAINING_DATA,
  async unowned(ctx, page) {
    const ids = [...new Set(page.map((o) => datasetIdOf(o.key)).filter((id): id is string => !!id))];
    const rows = ids.length ? await ctx.em.execute<DatasetRow[]>(
      `select id, status, upload_key, raw_key, redacted_key, coalesce(created_by_id in ${HELD}, false) as held from datasets where id in (?)`, [ids],
    ) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return page.filter((object) => {
      const id = datasetIdOf(object.key);
      const row = id ? byId.get(id) : undefined;
      if (!row) return pastGrace(ctx, object);
      // A hold keeps everything under the dataset, whatever its status.
      if (row.held) return false;
      return !ownedBy(row).includes(object.key);
    }).map((o) => o.key);
  },
  async afterDelete(ctx, deleted, keys) {
    const ids = [...new Set(deleted.map(datasetIdOf).filter((id): id is string => !!id))];
    if (!ids.length) return;
    // Finished datasets: nothing is left to name, and their key goes with their objects.
    const finished = await ctx.em.execute<{ id: string }[]>(
      `update datasets set upload_key = null, raw_key = null, redacted_key = null, preview_enc = null, raw_deleted_at = coalesce(raw_deleted_at, now())
       where id in (?) and status in (?) returning id`, [ids, TERMINAL],
    );
    await keys.destroy(ctx.em, ObjectKeyOwner.DATASET, finished.map((r) => r.id));
  },
};

const models: PrefixOwner = {
  prefix: 'models/',
  category: DataCategory.TRAINING_DATA,
  async unowned(ctx, page) {
    const jobIds = [...new Set(page.map((o) => artifactOwnerOf(o.key)?.trainingJobId).filter((id): id is string => !!id))];
    // Owned by its version, or by the training job still writing it (the version comes after the artifact).
    const rows = jobIds.length ? await ctx.em.execute<{ id: string; artifact_key: string | null }[]>(
      `select j.id, v.artifact_key from training_jobs j left join model_versions v on v.training_job_id = j.id
       where j.id in (?) and (v.id is not null or j.status in ('QUEUED', 'RUNNING'))`, [jobIds],
    ) : [];
    const live = new Map(rows.map((r) => [r.id, r.artifact_key]));
    return page.filter((object) => {
      const owner = artifactOwnerOf(object.key);
      if (!owner) return pastGrace(ctx, object);
      if (!live.has(owner.trainingJobId)) return true;
      const named = live.get(owner.trainingJobId);
      return named !== null && named !== object.key;
    }).map((o) => o.key);
  },
  async afterDelete(ctx, deleted, keys) {
    const orphaned = deleted.map((k) => artifactOwnerOf(k)?.trainingJobId).filter((id): id is string => !!id);
    if (!orphaned.length) return;
    // Only keys no version uses (a version's key stays while the version exists).
    const unused = await ctx.em.execute<{ id: string }[]>('select id from object_keys where id in (?) and id not in (select training_job_id from model_versions)', [orphaned]);
    await keys.destroy(ctx.em, ObjectKeyOwner.MODEL_ARTIFACT, unused.map((r) => r.id));
  },
};

/**
 * Data-subject-request exports (`exports/<subject>/<request>/export.json|html`): owned by the request row
 * whose export_key is that prefix, for 7 days from the export (EXPORT_RETENTION_DAYS); then they go and the
 * row forgets them. Subjects under a legal hold keep theirs.
 */
const EXPORT_RETENTION = `interval '${EXPORT_RETENTION_DAYS} days'`;
const exportsPrefix: PrefixOwner = {
  prefix: 'exports/',
  category: DataCategory.COMPLAINT_RECORD,
  async unowned(ctx, page) {
    const prefixOf = (key: string) => /^(exports\/[0-9a-f-]{36}\/([0-9a-f-]{36})\/)[^/]+$/.exec(key);
    const ids = [...new Set(page.map((o) => prefixOf(o.key)?.[2]).filter((id): id is string => !!id))];
    const rows = ids.length ? await ctx.em.execute<{ id: string; export_key: string | null; live: boolean; held: boolean }[]>(
      `select id, export_key, coalesce(export_created_at > now() - ${EXPORT_RETENTION}, false) as live, subject_id in ${HELD} as held
       from data_subject_requests where id in (?)`, [ids],
    ) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return page.filter((object) => {
      const match = prefixOf(object.key);
      const row = match ? byId.get(match[2]) : undefined;
      if (!row) return pastGrace(ctx, object);
      if (row.held) return false;
      return row.export_key !== match![1] || !row.live;
    }).map((o) => o.key);
  },
  async afterDelete(ctx) {
    await ctx.em.execute(`update data_subject_requests set export_key = null where export_key is not null and export_created_at <= now() - ${EXPORT_RETENTION}
      and subject_id not in ${HELD}`);
  },
};

/** Every prefix the app writes and who owns what is under it; a new kind of object is one more entry. */
export const PREFIX_OWNERS: readonly PrefixOwner[] = [datasets, models, exportsPrefix];

/**
 * Deletes every object no live row owns, prefix by prefix, a page at a time, and first finishes validations
 * that recorded their verdict but could not delete their original (or whose job was lost). A dry run only
 * counts. Returns one count per prefix, for the purge's record.
 */
export async function sweepStorage(
  orm: MikroORM, storage: Storage, options: { dryRun: boolean; graceMs?: number; keys?: KeyShredder },
): Promise<PurgeCountData[]> {
  const keys = options.keys ?? keyShredder;
  const em = orm.em.fork();
  const ctx: SweepContext = { em, now: Date.now(), graceMs: options.graceMs ?? ORPHAN_GRACE_MS };
  const stuck = await em.execute<{ id: string; raw_key: string | null }[]>(
    `select id, raw_key from datasets where status = 'VALIDATING' and (validation_outcome is not null or updated_at < now() - ${STALE_VALIDATION})`,
  );
  let finishedOriginals = 0;
  for (const row of stuck) {
    if (!options.dryRun) await failValidation(orm, storage, keys, row.id);
    if (row.raw_key) finishedOriginals += 1;
  }

  const counts: PurgeCountData[] = [];
  for (const owner of PREFIX_OWNERS) {
    let count = owner === datasets ? finishedOriginals : 0;
    let page: ListedObject[] = [];
    const flush = async () => {
      const doomed = await owner.unowned(ctx, page);
      page = [];
      count += doomed.length;
      if (options.dryRun || doomed.length === 0) return;
      for (const key of doomed) await storage.delete(key);
      await owner.afterDelete?.(ctx, doomed, keys);
    };
    for await (const object of storage.list(owner.prefix)) {
      page.push(object);
      if (page.length >= 500) await flush();
    }
    await flush();
    counts.push({ category: owner.category, action: RetentionAction.DELETE, count, prefix: owner.prefix });
  }
  if (!options.dryRun) {
    // Finished datasets whose objects were already gone: their key goes too.
    const finished = await em.execute<{ id: string }[]>(
      `select k.id from object_keys k join datasets d on d.id = k.id where k.owner = 'DATASET' and k.wrapped_key is not null
       and d.status in (?) and not coalesce(d.created_by_id in ${HELD}, false)`, [TERMINAL],
    );
    await keys.destroy(em, ObjectKeyOwner.DATASET, finished.map((r) => r.id));
  }
  return counts;
}

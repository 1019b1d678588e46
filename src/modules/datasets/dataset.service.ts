import type { FilterQuery } from '@mikro-orm/core';
import { enqueue } from '../../db/outbox';
import { readableOr404 } from '../../auth/policy';
import { ApiScope } from '../../auth/roles';
import { actsForOrganization } from '../../auth/scopes';
import { isUuid } from '../../common/ids';
import { emptyPage, paginate, type Page } from '../../common/pagination';
import { requiredText } from '../../common/validate';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { AppError, badInput, conflict, notFound } from '../../errors';
import type { ServiceDeps } from '../../services';
import { ObjectKeyDestroyed, ObjectKeys } from '../../privacy/object-keys';
import { ObjectKeyOwner } from '../../privacy/object-key.entity';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';
import { Dataset, DatasetStatus, type StoredRecord } from './dataset.entity';
import { canCompleteDataset, canDeleteDataset, datasetPolicy, datasetScope } from './dataset.policy';
import type { CreateDatasetInput } from './dataset.types';
import { datasetObjectKey } from './dataset-objects';
import { openPreview } from './dataset-validation';

export const INLINE_CONTENT_LIMIT_BYTES = 1024 * 1024;
export const UPLOAD_URL_TTL_SECONDS = 3600;

const tooLarge = (what: string, limit: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `${what} exceeds ${limit} bytes`, { limitBytes: limit });
const sizeMismatch = (actual: number, declared: number) =>
  badInput(`The upload is ${actual} bytes, not the ${declared} declared; it was removed: upload the declared file again`, 'id');

export interface CreatedDataset {
  dataset: Dataset;
  uploadUrl: string | null;
  uploadPostUrl: string | null;
  uploadFields: { name: string; value: string }[] | null;
  uploadExpiresAt: Date | null;
}

export class DatasetService {
  private readonly keys: ObjectKeys;

  constructor(private readonly deps: ServiceDeps) {
    this.keys = new ObjectKeys(deps.master);
  }

  /** The organization the viewer may write datasets for: its own (enterprise user or a key with DATASETS_WRITE). */
  private writableOrganization(ctx: Context, organizationId: string): string {
    if (!isUuid(organizationId) || !actsForOrganization(ctx.viewer, organizationId, ApiScope.DATASETS_WRITE)) throw notFound('Organization');
    return organizationId;
  }

  /** A dataset the viewer may read (its policy decides); NOT_FOUND otherwise. */
  async find(ctx: Context, id: string): Promise<Dataset> {
    return readableOr404(ctx, datasetPolicy, isUuid(id) ? await ctx.em.findOne(Dataset, id) : null, 'Dataset');
  }

  private async findChangeable(ctx: Context, id: string, may: (viewer: Context['viewer'], d: Dataset) => boolean): Promise<Dataset> {
    const dataset = await this.find(ctx, id);
    if (!may(ctx.viewer, dataset)) throw notFound('Dataset');
    return dataset;
  }

  listForOrganization(ctx: Context, organizationId: string, first: number, after: string | null | undefined, status: DatasetStatus | null | undefined): Promise<Page<Dataset>> {
    const scope = datasetScope(ctx.viewer);
    if (!scope) return Promise.resolve(emptyPage());
    const where: FilterQuery<Dataset> = { $and: [scope, { organization: organizationId }] };
    if (status) where.status = status;
    return paginate(ctx.em, Dataset, where, first, after);
  }

  async create(ctx: Context, input: CreateDatasetInput): Promise<CreatedDataset> {
    const organizationId = this.writableOrganization(ctx, input.organizationId);
    const name = requiredText(input.name, 'name', 200);
    const limit = this.deps.config.datasetUploadLimitBytes;
    const inline = input.content ?? null;
    if (inline !== null && input.sizeBytes != null) throw badInput('Give either content or sizeBytes, not both', 'content');
    if (inline !== null) {
      const bytes = Buffer.byteLength(inline, 'utf8');
      if (bytes > INLINE_CONTENT_LIMIT_BYTES) throw tooLarge('Inline content', INLINE_CONTENT_LIMIT_BYTES);
      if (inline.trim() === '') throw badInput('content is empty', 'content');
    } else {
      // The upload link is bounded by the declared size, so there must be one.
      if (input.sizeBytes == null) throw badInput('Give sizeBytes (the size of the file you will upload) or content', 'sizeBytes');
      if (!Number.isInteger(input.sizeBytes) || input.sizeBytes < 1) throw badInput('sizeBytes must be a positive number of bytes', 'sizeBytes');
      if (input.sizeBytes > limit) throw tooLarge('The upload', limit);
    }

    const dataset = ctx.em.create(Dataset, {
      organization: ctx.em.getReference(Organization, organizationId),
      name, kind: input.kind, format: input.format,
      sizeBytes: inline !== null ? Buffer.byteLength(inline, 'utf8') : input.sizeBytes!,
      createdBy: ctx.viewer.kind === 'user' ? ctx.em.getReference(User, ctx.viewer.userId) : null,
      createdByApiKeyId: ctx.viewer.kind === 'apiKey' ? ctx.viewer.apiKeyId : null,
    });
    if (inline !== null) {
      // Server-side only, and stored before the row commits: a failed upload leaves no dataset pointing at nothing
      // (the sweep gives an object without a row a grace period, then removes it).
      dataset.rawKey = datasetObjectKey(dataset, 'original');
      await this.deps.storage.put(dataset.rawKey, inline, 'text/plain; charset=utf-8');
      dataset.status = DatasetStatus.VALIDATING;
      await inTransaction(ctx.em, async () => {
        enqueue(ctx.em, 'dataset-validation', { datasetId: dataset.id });
      });
      return { dataset, uploadUrl: null, uploadPostUrl: null, uploadFields: null, uploadExpiresAt: null };
    }
    // The one name a client may write, fresh for this dataset; completion copies it away and never reads it again.
    dataset.uploadKey = datasetObjectKey(dataset, 'upload');
    await ctx.em.flush();
    const [uploadUrl, post] = await Promise.all([
      this.deps.storage.presignPut(dataset.uploadKey, UPLOAD_URL_TTL_SECONDS),
      this.deps.storage.presignPost(dataset.uploadKey, dataset.sizeBytes!, UPLOAD_URL_TTL_SECONDS),
    ]);
    return {
      dataset, uploadUrl, uploadPostUrl: post.url,
      uploadFields: Object.entries(post.fields).map(([fieldName, value]) => ({ name: fieldName, value })),
      uploadExpiresAt: new Date(Date.now() + UPLOAD_URL_TTL_SECONDS * 1000),
    };
  }

  /**
   * Checks the upload (its real size against the limit and the declared size: a mismatch removes it), copies it
   * to a server-side name no link points at, and queues validation of that copy. From here on the upload's name
   * is never read: a later PUT or POST through the link writes an object nobody owns, which the sweep removes.
   */
  async completeUpload(ctx: Context, id: string): Promise<Dataset> {
    const dataset = await this.findChangeable(ctx, id, canCompleteDataset);
    if (dataset.status !== DatasetStatus.AWAITING_UPLOAD || !dataset.uploadKey) throw conflict(`The dataset is ${dataset.status}, not awaiting an upload`);
    const storage = this.deps.storage;
    const uploadKey = dataset.uploadKey;
    const declared = dataset.sizeBytes;
    const uploaded = await storage.head(uploadKey);
    if (!uploaded) {
      // A completion at the same time already moved it on (and removed the upload): that one stands.
      await ctx.em.refresh(dataset);
      if (dataset.status !== DatasetStatus.AWAITING_UPLOAD) return dataset;
      throw badInput('Nothing has been uploaded to the upload URL yet', 'id');
    }
    const limit = this.deps.config.datasetUploadLimitBytes;
    const refuse = async (error: AppError): Promise<never> => {
      await storage.delete(uploadKey);
      throw error;
    };
    if (uploaded.size > limit) await refuse(tooLarge('The upload', limit));
    if (uploaded.size === 0) await refuse(badInput('The uploaded file is empty', 'id'));
    if (declared !== null && uploaded.size !== declared) await refuse(sizeMismatch(uploaded.size, declared));

    // Named on the row first, so the sweep sees the copy as owned while it is made.
    dataset.rawKey ??= datasetObjectKey(dataset, 'original');
    await ctx.em.flush();
    const rawKey = dataset.rawKey;
    // The copy is what validation reads; it is checked again, since the upload may have been replaced in between.
    const copied = (await storage.copy(uploadKey, rawKey)) ? await storage.head(rawKey) : null;
    if (!copied || copied.size !== uploaded.size) {
      // A completion at the same time already moved it on (and removed the upload): that one stands.
      await ctx.em.refresh(dataset);
      if (dataset.status !== DatasetStatus.AWAITING_UPLOAD) return dataset;
      await storage.delete(rawKey);
      dataset.rawKey = null;
      await ctx.em.flush();
      if (!copied) throw badInput('Nothing has been uploaded to the upload URL yet', 'id');
      await refuse(sizeMismatch(copied.size, declared ?? uploaded.size));
    }
    // Conditional, so two completions at once queue one validation: the one that moves the row enqueues,
    // the other answers with the dataset as the first left it.
    const moved = await inTransaction(ctx.em, async () => {
      const rows = await ctx.em.execute<{ id: string }[]>(
        `update datasets set size_bytes = ?, upload_key = null, status = 'VALIDATING' where id = ? and status = 'AWAITING_UPLOAD' and upload_key = ? returning id`,
        [copied!.size, dataset.id, uploadKey],
      );
      if (rows.length) enqueue(ctx.em, 'dataset-validation', { datasetId: dataset.id });
      return rows.length > 0;
    });
    await ctx.em.refresh(dataset);
    if (!moved) return dataset;
    // No longer owned: if this delete fails, the sweep removes it.
    await storage.delete(uploadKey).catch((error: unknown) => this.deps.log.warn({ err: error, datasetId: dataset.id }, 'could not delete a completed upload; the sweep will'));
    return dataset;
  }

  /** The first redacted records, decrypted; none once the dataset's key is destroyed. */
  async preview(ctx: Context, dataset: Dataset, limit: number): Promise<StoredRecord[]> {
    if (!dataset.previewEnc || limit === 0) return [];
    try {
      const key = await this.keys.find(ctx.em, ObjectKeyOwner.DATASET, dataset.id);
      return key ? openPreview(key, dataset.id, dataset.previewEnc).slice(0, limit) : [];
    } catch (error) {
      if (error instanceof ObjectKeyDestroyed) return [];
      throw error;
    }
  }

  /**
   * Destroys the dataset's key (what survives anywhere is unreadable from now on), then its objects; the row stays
   * as evidence (DELETED, rawDeletedAt). An object S3 fails to delete stays named on the row for the sweep.
   */
  async delete(ctx: Context, id: string): Promise<Dataset> {
    const dataset = await this.findChangeable(ctx, id, canDeleteDataset);
    if (dataset.status === DatasetStatus.DELETED) return dataset;
    if (dataset.status === DatasetStatus.VALIDATING) throw conflict('The dataset is being validated; delete it once validation ends');
    await inTransaction(ctx.em, async () => {
      await this.keys.destroy(ctx.em, ObjectKeyOwner.DATASET, [dataset.id]);
      dataset.status = DatasetStatus.DELETED;
      dataset.previewEnc = null;
      dataset.rawDeletedAt ??= new Date();
    });
    await this.destroyObjects(ctx.em, dataset);
    return dataset;
  }

  private async destroyObjects(em: Context['em'], dataset: Dataset): Promise<void> {
    for (const field of ['uploadKey', 'rawKey', 'redactedKey'] as const) {
      const key = dataset[field];
      if (!key) continue;
      try {
        await this.deps.storage.delete(key);
        dataset[field] = null;
      } catch (error) {
        this.deps.log.warn({ err: error, datasetId: dataset.id }, 'could not delete a dataset object; the sweep will');
      }
    }
    await em.flush();
  }
}

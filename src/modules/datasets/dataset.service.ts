import type { FilterQuery } from '@mikro-orm/core';
import { enqueue } from '../../../jobs/queues';
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
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';
import { Dataset, DatasetStatus } from './dataset.entity';
import { canCompleteDataset, canDeleteDataset, datasetPolicy, datasetScope } from './dataset.policy';
import type { CreateDatasetInput } from './dataset.types';

export const INLINE_CONTENT_LIMIT_BYTES = 1024 * 1024;
const UPLOAD_URL_TTL_SECONDS = 3600;

const tooLarge = (what: string, limit: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `${what} exceeds ${limit} bytes`, { limitBytes: limit });

export const rawKeyOf = (d: Pick<Dataset, 'id' | 'organization'>) => `datasets/${d.organization.id}/${d.id}/original`;
export const redactedKeyOf = (d: Pick<Dataset, 'id' | 'organization'>) => `datasets/${d.organization.id}/${d.id}/redacted.jsonl`;

export class DatasetService {
  constructor(private readonly deps: ServiceDeps) {}

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

  async create(ctx: Context, input: CreateDatasetInput): Promise<{ dataset: Dataset; uploadUrl: string | null; uploadExpiresAt: Date | null }> {
    const organizationId = this.writableOrganization(ctx, input.organizationId);
    const name = requiredText(input.name, 'name', 200);
    const limit = this.deps.config.datasetUploadLimitBytes;
    const inline = input.content ?? null;
    if (inline !== null && input.sizeBytes != null) throw badInput('Give either content or sizeBytes, not both', 'content');
    if (inline !== null) {
      const bytes = Buffer.byteLength(inline, 'utf8');
      if (bytes > INLINE_CONTENT_LIMIT_BYTES) throw tooLarge('Inline content', INLINE_CONTENT_LIMIT_BYTES);
      if (inline.trim() === '') throw badInput('content is empty', 'content');
    } else if (input.sizeBytes != null) {
      if (!Number.isInteger(input.sizeBytes) || input.sizeBytes < 1) throw badInput('sizeBytes must be a positive number of bytes', 'sizeBytes');
      if (input.sizeBytes > limit) throw tooLarge('The upload', limit);
    }

    const dataset = ctx.em.create(Dataset, {
      organization: ctx.em.getReference(Organization, organizationId),
      name, kind: input.kind, format: input.format,
      sizeBytes: inline !== null ? Buffer.byteLength(inline, 'utf8') : input.sizeBytes ?? null,
      createdBy: ctx.viewer.kind === 'user' ? ctx.em.getReference(User, ctx.viewer.userId) : null,
      createdByApiKeyId: ctx.viewer.kind === 'apiKey' ? ctx.viewer.apiKeyId : null,
    });
    dataset.rawKey = rawKeyOf(dataset);
    if (inline !== null) {
      // Stored before the row commits: a failed upload leaves no dataset pointing at nothing.
      await this.deps.storage.put(dataset.rawKey, inline, 'text/plain; charset=utf-8');
      dataset.status = DatasetStatus.VALIDATING;
      await inTransaction(ctx.em, async () => {
        enqueue(ctx.em, 'dataset-validation', { datasetId: dataset.id });
      });
      return { dataset, uploadUrl: null, uploadExpiresAt: null };
    }
    await ctx.em.flush();
    const uploadUrl = await this.deps.storage.presignPut(dataset.rawKey, UPLOAD_URL_TTL_SECONDS);
    return { dataset, uploadUrl, uploadExpiresAt: new Date(Date.now() + UPLOAD_URL_TTL_SECONDS * 1000) };
  }

  async completeUpload(ctx: Context, id: string): Promise<Dataset> {
    const dataset = await this.findChangeable(ctx, id, canCompleteDataset);
    if (dataset.status !== DatasetStatus.AWAITING_UPLOAD) throw conflict(`The dataset is ${dataset.status}, not awaiting an upload`);
    const size = await this.deps.storage.size(dataset.rawKey!);
    if (size === null) throw badInput('Nothing has been uploaded to the upload URL yet', 'id');
    const limit = this.deps.config.datasetUploadLimitBytes;
    if (size > limit) {
      await this.deps.storage.delete(dataset.rawKey!);
      throw tooLarge('The upload', limit);
    }
    if (size === 0) throw badInput('The uploaded file is empty', 'id');
    await inTransaction(ctx.em, async () => {
      dataset.sizeBytes = size;
      dataset.status = DatasetStatus.VALIDATING;
      enqueue(ctx.em, 'dataset-validation', { datasetId: dataset.id });
    });
    return dataset;
  }

  /** Destroys the original and the redacted copy; the row stays as evidence (DELETED, rawDeletedAt). */
  async delete(ctx: Context, id: string): Promise<Dataset> {
    const dataset = await this.findChangeable(ctx, id, canDeleteDataset);
    if (dataset.status === DatasetStatus.DELETED) return dataset;
    if (dataset.status === DatasetStatus.VALIDATING) throw conflict('The dataset is being validated; delete it once validation ends');
    await this.destroyFiles(dataset);
    dataset.status = DatasetStatus.DELETED;
    dataset.preview = [];
    await ctx.em.flush();
    return dataset;
  }

  async destroyFiles(dataset: Dataset): Promise<void> {
    for (const key of [dataset.rawKey, dataset.redactedKey]) {
      if (key) await this.deps.storage.delete(key);
    }
    dataset.rawKey = null;
    dataset.redactedKey = null;
    dataset.rawDeletedAt ??= new Date();
  }
}

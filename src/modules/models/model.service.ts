import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import { enqueue } from '../../db/outbox';
import { readableOr404 } from '../../auth/policy';
import { isEnterpriseOf } from '../../auth/scopes';
import { isUuid } from '../../common/ids';
import { emptyPage, paginate, type Page } from '../../common/pagination';
import { optionalText, requiredText, stringList } from '../../common/validate';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { badInput, conflict, notFound } from '../../errors';
import { ObjectKeys } from '../../privacy/object-keys';
import { publishTrainingJobUpdated } from '../../realtime/publish';
import type { ServiceDeps } from '../../services';
import { Dataset, DatasetStatus } from '../datasets/dataset.entity';
import { Organization } from '../organizations/organization.entity';
import {
  ContentKind, GeneratedContent, InfluencerModel, ModelStatus, ModelVersion, type PersonaData, TrainingBackend, TrainingJob, TrainingJobStatus,
} from './model.entity';
import type { CreateModelInput, GenerateContentInput, PersonaInput, TrainModelInput, UpdateModelInput } from './model.types';
import { canChangeModel, canGenerateWith, modelPolicy, modelScope, trainingJobPolicy } from './model.policy';
import { readArtifact } from './artifact-store';
import { type CompactModel, disclosureFor, loadArtifact, respond } from './retrieval-model';

const LANGUAGES = ['ko', 'en', 'ja', 'zh'];

export function personaFrom(input: PersonaInput): PersonaData {
  const language = (input.language ?? 'ko').trim().toLowerCase();
  if (!LANGUAGES.includes(language)) throw badInput(`persona.language must be one of ${LANGUAGES.join(', ')}`, 'persona.language');
  return {
    displayName: requiredText(input.displayName, 'persona.displayName', 50),
    bio: optionalText(input.bio, 'persona.bio', 500),
    tone: optionalText(input.tone, 'persona.tone', 100),
    speakingStyle: optionalText(input.speakingStyle, 'persona.speakingStyle', 100),
    catchphrases: stringList(input.catchphrases ?? [], 'persona.catchphrases', 10, 100),
    brandValues: stringList(input.brandValues ?? [], 'persona.brandValues', 10, 50),
    language,
  };
}

export class ModelService {
  /**
   * Loaded models by artifact key: an LRU bounded by their bytes (MODEL_CACHE_MAX_BYTES), each the
   * compact form (one buffer and typed-array views, about the artifact's size). Concurrent first
   * requests for a model share one load; a model larger than the bound is answered but not kept.
   */
  private readonly models: LRUCache<string, CompactModel, { em: EntityManager; version: ModelVersion }>;

  /** Keys of the encrypted artifacts (one per version). */
  private readonly objectKeys: ObjectKeys;

  constructor(private readonly deps: ServiceDeps) {
    this.objectKeys = new ObjectKeys(deps.master);
    this.models = new LRUCache({
      maxSize: Math.max(1, deps.config.modelCacheMaxBytes),
      sizeCalculation: (model) => Math.max(1, model.buffer.byteLength + model.index.scores.byteLength),
      fetchMethod: async (_key, _stale, { context }) => this.loadModel(context.em, context.version),
    });
  }

  /** What the model cache holds (tests and the bench). */
  cacheUsage(): { models: number; bytes: number; keys: string[] } {
    return { models: this.models.size, bytes: this.models.calculatedSize, keys: [...this.models.keys()] };
  }

  private async loadModel(em: EntityManager, version: ModelVersion): Promise<CompactModel> {
    return loadArtifact(await readArtifact(em, this.deps.storage, this.objectKeys, version));
  }

  /** A model the viewer may read whole (its policy decides); NOT_FOUND otherwise. */
  async find(ctx: Context, id: string): Promise<InfluencerModel> {
    return readableOr404(ctx, modelPolicy, isUuid(id) ? await ctx.em.findOne(InfluencerModel, id) : null, 'Model');
  }

  /** A model the viewer may change: its organization's enterprise users; NOT_FOUND to everyone else. */
  private async findChangeable(ctx: Context, id: string): Promise<InfluencerModel> {
    const model = await this.find(ctx, id);
    if (!canChangeModel(ctx.viewer, model)) throw notFound('Model');
    return model;
  }

  list(ctx: Context, organizationId: string, first: number, after: string | null | undefined): Promise<Page<InfluencerModel>> {
    const scope = modelScope(ctx.viewer);
    if (!scope) return Promise.resolve(emptyPage());
    return paginate(ctx.em, InfluencerModel, { $and: [scope, { organization: organizationId }] } as FilterQuery<InfluencerModel>, first, after);
  }

  async create(ctx: Context, input: CreateModelInput): Promise<InfluencerModel> {
    if (!isUuid(input.organizationId) || !isEnterpriseOf(ctx.viewer, input.organizationId)) throw notFound('Organization');
    const model = ctx.em.create(InfluencerModel, {
      organization: ctx.em.getReference(Organization, input.organizationId),
      name: requiredText(input.name, 'name', 100),
      description: optionalText(input.description, 'description', 1000),
      persona: personaFrom(input.persona),
    });
    await ctx.em.flush();
    return model;
  }

  async update(ctx: Context, id: string, input: UpdateModelInput): Promise<InfluencerModel> {
    const model = await this.findChangeable(ctx, id);
    if (model.status === ModelStatus.ARCHIVED) throw conflict('An archived model cannot change');
    if (input.name !== undefined) model.name = requiredText(input.name, 'name', 100);
    if (input.description !== undefined) model.description = optionalText(input.description, 'description', 1000);
    if (input.persona) model.persona = personaFrom(input.persona);
    await ctx.em.flush();
    return model;
  }

  async archive(ctx: Context, id: string): Promise<InfluencerModel> {
    const model = await this.findChangeable(ctx, id);
    if (model.status === ModelStatus.TRAINING) throw conflict('Cancel its training first');
    model.status = ModelStatus.ARCHIVED;
    await ctx.em.flush();
    return model;
  }

  async activateVersion(ctx: Context, modelId: string, version: number): Promise<InfluencerModel> {
    const model = await this.findChangeable(ctx, modelId);
    if (model.status === ModelStatus.ARCHIVED) throw conflict('An archived model cannot change');
    const found = await ctx.em.findOne(ModelVersion, { model, version });
    if (!found) throw badInput(`Version ${version} does not exist`, 'version');
    model.activeVersionId = found.id;
    if (model.status !== ModelStatus.TRAINING) model.status = ModelStatus.READY;
    await ctx.em.flush();
    return model;
  }

  async train(ctx: Context, input: TrainModelInput): Promise<TrainingJob> {
    const model = await this.findChangeable(ctx, input.modelId);
    if (model.status === ModelStatus.ARCHIVED) throw conflict('An archived model cannot be trained');
    const backend = input.backend ?? TrainingBackend.LOCAL;
    if (backend === TrainingBackend.RUNPOD && !this.deps.config.runpod) {
      throw badInput('The RUNPOD backend is not configured on this server (RUNPOD_BASE_URL, RUNPOD_API_KEY); use LOCAL', 'backend');
    }
    const ids = [...new Set(input.datasetIds)];
    if (ids.length === 0 || ids.length > 20) throw badInput('Name 1 to 20 datasets', 'datasetIds');
    const datasets = ids.every(isUuid) ? await ctx.em.find(Dataset, { id: { $in: ids }, organization: model.organization.id }) : [];
    if (datasets.length !== ids.length) throw notFound('Dataset');
    const unready = datasets.filter((d) => d.status !== DatasetStatus.READY);
    if (unready.length) throw badInput(`Datasets must be READY: ${unready.map((d) => `${d.id} is ${d.status}`).join(', ')}`, 'datasetIds');
    return inTransaction(ctx.em, async () => {
      // One training at a time per model: the row lock makes the check race-free.
      await ctx.em.execute('select id from influencer_models where id = ? for update', [model.id]);
      const running = await ctx.em.count(TrainingJob, { model, status: { $in: [TrainingJobStatus.QUEUED, TrainingJobStatus.RUNNING] } });
      if (running) throw conflict('This model is already training');
      const job = ctx.em.create(TrainingJob, { model, backend, datasetIds: ids, events: [{ at: new Date().toISOString(), message: 'queued' }] });
      model.status = ModelStatus.TRAINING;
      enqueue(ctx.em, 'training', { trainingJobId: job.id });
      return job;
    });
  }

  async findJob(ctx: Context, id: string): Promise<TrainingJob> {
    return readableOr404(ctx, trainingJobPolicy, isUuid(id) ? await ctx.em.findOne(TrainingJob, id) : null, 'Training job');
  }

  /** Queued jobs stop at once; a running one stops at its next checkpoint. */
  async cancel(ctx: Context, id: string): Promise<TrainingJob> {
    const job = await this.findJob(ctx, id);
    const owner = await ctx.loaders.modelById.load(job.model.id);
    if (!owner || !canChangeModel(ctx.viewer, owner)) throw notFound('Training job');
    if (job.status !== TrainingJobStatus.QUEUED && job.status !== TrainingJobStatus.RUNNING) {
      throw conflict(`The job is already ${job.status}`);
    }
    await inTransaction(ctx.em, async () => {
      // The lock finishing a training takes (training.ts): either the version was made first (the job is
      // SUCCEEDED and this is a CONFLICT) or this cancel commits first and the training makes none.
      await ctx.em.execute('select id from influencer_models where id = ? for update', [job.model.id]);
      await ctx.em.refresh(job);
      if (job.status !== TrainingJobStatus.QUEUED && job.status !== TrainingJobStatus.RUNNING) throw conflict(`The job is already ${job.status}`);
      job.cancelRequested = true;
      job.status = TrainingJobStatus.CANCELLED;
      job.finishedAt = new Date();
      job.events = [...job.events, { at: new Date().toISOString(), message: 'cancelled' }];
      const model = await ctx.em.findOneOrFail(InfluencerModel, job.model.id, { refresh: true });
      if (model.status === ModelStatus.TRAINING) model.status = model.activeVersionId ? ModelStatus.READY : ModelStatus.DRAFT;
    });
    publishTrainingJobUpdated(job.id);
    return job;
  }

  async generate(ctx: Context, input: GenerateContentInput): Promise<GeneratedContent> {
    const model = isUuid(input.modelId) ? await ctx.em.findOne(InfluencerModel, input.modelId) : null;
    const viewer = ctx.viewer;
    if (!model || !canGenerateWith(viewer, model)) throw notFound('Model');
    const prompt = requiredText(input.prompt, 'prompt', 2000);
    const { version, artifact } = await this.activeArtifact(ctx, model);
    const output = respond({ ...artifact, persona: model.persona }, input.kind, prompt);
    const content = ctx.em.create(GeneratedContent, {
      model, modelVersion: version.version, kind: input.kind, text: output.text, disclosure: disclosureFor(model.persona.language),
      createdById: viewer.kind === 'user' ? viewer.userId : null, createdByApiKeyId: viewer.kind === 'apiKey' ? viewer.apiKeyId : null,
    });
    await ctx.em.flush();
    return content;
  }

  /** The READY model's active version and its loaded artifact (cached: artifacts never change once written). */
  async activeArtifact(ctx: Pick<Context, 'em'>, model: InfluencerModel): Promise<{ version: ModelVersion; artifact: CompactModel }> {
    if (model.status === ModelStatus.ARCHIVED || !model.activeVersionId) throw conflict('The model has no trained version to answer with');
    const version = await ctx.em.findOneOrFail(ModelVersion, model.activeVersionId);
    // A model over the cache's bound is loaded for this answer alone.
    const artifact = (await this.models.fetch(version.artifactKey, { context: { em: ctx.em, version } })) ?? (await this.loadModel(ctx.em, version));
    return { version, artifact };
  }
}

export { ContentKind };

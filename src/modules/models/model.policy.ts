import type { FilterQuery } from '@mikro-orm/core';
import { definePolicy, type PolicyContext } from '../../auth/policy';
import { ApiScope } from '../../auth/roles';
import { actsForOrganization, isEnterpriseOf, isKeyOf, isStaffViewer, viewerIsUser } from '../../auth/scopes';
import type { Viewer } from '../../context';
import { ContentKind, type GeneratedContent, type InfluencerModel, type ModelVersion, type TrainingJob } from './model.entity';

type ModelRow = Pick<InfluencerModel, 'id' | 'organization'>;

/** Whole for staff, the organization's enterprise users and its keys with MODELS_READ. */
const readsModelsOf = (viewer: Viewer, organizationId: string) =>
  isStaffViewer(viewer) || isEnterpriseOf(viewer, organizationId) || isKeyOf(viewer, organizationId, ApiScope.MODELS_READ);

/**
 * An influencer model is whole for its organization's enterprise users, its
 * keys with MODELS_READ and staff. Everyone else, anonymous included, sees its
 * public face where the product shows it (a coach, a chat partner, the author
 * of content): id, name and persona. Never its versions, jobs, metrics or datasets.
 */
export const modelPolicy = definePolicy<ModelRow>({
  type: 'InfluencerModel',
  project: ({ viewer }, model) => (readsModelsOf(viewer, model.organization.id) ? 'full' : 'public'),
  publicFields: ['id', 'name', 'persona'],
});

/** What the viewer may list of models; null is nothing. */
export function modelScope(viewer: Viewer): FilterQuery<InfluencerModel> | null {
  if (isStaffViewer(viewer)) return {};
  if (viewer.kind !== 'anonymous' && viewer.organizationId && readsModelsOf(viewer, viewer.organizationId)) return { organization: viewer.organizationId };
  return null;
}

/** Only the organization's enterprise users change, train, activate or archive its models. */
export const canChangeModel = (viewer: Viewer, model: ModelRow) => isEnterpriseOf(viewer, model.organization.id);
export const canGenerateWith = (viewer: Viewer, model: ModelRow) => actsForOrganization(viewer, model.organization.id, ApiScope.CONTENT_GENERATE);

/** The model a version, job or content belongs to, loaded (batched) when only its reference is at hand. */
async function modelOf(ctx: PolicyContext, ref: Pick<InfluencerModel, 'id' | 'organization'>): Promise<ModelRow | null> {
  // An unloaded MikroORM reference carries its id alone.
  return ref.organization ? ref : ctx.loaders.modelById.load(ref.id);
}

/** Versions (metrics, artifacts) are for whoever reads the model whole. */
export const modelVersionPolicy = definePolicy<Pick<ModelVersion, 'model'>>({
  type: 'ModelVersion',
  project: async (ctx, version) => {
    const model = await modelOf(ctx, version.model);
    return model && readsModelsOf(ctx.viewer, model.organization.id) ? 'full' : null;
  },
});

/** Training jobs (events, errors, datasets) likewise. */
export const trainingJobPolicy = definePolicy<Pick<TrainingJob, 'model'>>({
  type: 'TrainingJob',
  project: async (ctx, job) => {
    const model = await modelOf(ctx, job.model);
    return model && readsModelsOf(ctx.viewer, model.organization.id) ? 'full' : null;
  },
});

/**
 * Generated content is its organization's (enterprise users, keys with
 * CONTENT_GENERATE, staff); a coaching message is about a member's health
 * mission, so it is that member's alone.
 */
export const generatedContentPolicy = definePolicy<Pick<GeneratedContent, 'model' | 'kind' | 'createdById'>>({
  type: 'GeneratedContent',
  project: async (ctx, content) => {
    if (content.kind === ContentKind.COACHING) return content.createdById && viewerIsUser(ctx.viewer, content.createdById) ? 'full' : null;
    const model = await modelOf(ctx, content.model);
    if (!model) return null;
    return isStaffViewer(ctx.viewer) || actsForOrganization(ctx.viewer, model.organization.id, ApiScope.CONTENT_GENERATE) ? 'full' : null;
  },
});

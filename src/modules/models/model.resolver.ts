import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { badInput } from '../../errors';
import { readableOnly } from '../../auth/policy';
import { datasetPolicy } from '../datasets/dataset.policy';
import { DatasetType } from '../datasets/dataset.types';
import { OrganizationType } from '../organizations/organization.types';
import { GeneratedContent, InfluencerModel, TrainingJob } from './model.entity';
import {
  CreateModelInput, GenerateContentInput, GeneratedContentType, InfluencerModelType, ModelVersionType, TrainingEvent, TrainingJobType,
  TrainModelInput, UpdateModelInput,
} from './model.types';

@Resolver(() => InfluencerModelType)
export class ModelResolver {
  @Query(() => InfluencerModelType, { nullable: true, description: 'A model of your organization (or any, for staff).' })
  model(@Arg('id', () => ID, { description: 'The model\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.models.find(ctx, id);
  }

  @Query(() => TrainingJobType, { nullable: true, description: "A training job of your organization's models (or any, for staff)." })
  trainingJob(@Arg('id', () => ID, { description: 'The training job\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.models.findJob(ctx, id);
  }

  @Mutation(() => InfluencerModelType, { description: 'Creates a model with its persona (ENTERPRISE).' })
  createModel(@Arg('input', () => CreateModelInput, { description: 'The model and its persona.' }) input: CreateModelInput, @Ctx() ctx: Context) {
    return ctx.services.models.create(ctx, input);
  }

  @Mutation(() => InfluencerModelType, { description: 'Changes a model (ENTERPRISE).' })
  updateModel(@Arg('id', () => ID, { description: 'The model\'s id.' }) id: string, @Arg('input', () => UpdateModelInput, { description: 'What to change; fields left out stay as they are.' }) input: UpdateModelInput, @Ctx() ctx: Context) {
    return ctx.services.models.update(ctx, id, input);
  }

  @Mutation(() => TrainingJobType, { description: 'Queues training on READY datasets (ENTERPRISE); the datasets are destroyed once the new version exists.' })
  trainModel(@Arg('input', () => TrainModelInput, { description: 'The model, the READY datasets of its organization to train on, and the backend (LOCAL when left out).' }) input: TrainModelInput, @Ctx() ctx: Context) {
    return ctx.services.models.train(ctx, input);
  }

  @Mutation(() => TrainingJobType, { description: 'Cancels a queued or running training job (ENTERPRISE).' })
  cancelTrainingJob(@Arg('id', () => ID, { description: 'The training job\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.models.cancel(ctx, id);
  }

  @Mutation(() => InfluencerModelType, { description: 'Makes an earlier or later version the one that answers (ENTERPRISE).' })
  activateModelVersion(@Arg('modelId', () => ID, { description: 'The model\'s id.' }) modelId: string, @Arg('version', () => Int, { description: 'The version number to make active.' }) version: number, @Ctx() ctx: Context) {
    return ctx.services.models.activateVersion(ctx, modelId, version);
  }

  @Mutation(() => InfluencerModelType, { description: 'Archives a model: it no longer answers or trains (ENTERPRISE).' })
  archiveModel(@Arg('id', () => ID, { description: 'The model\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.models.archive(ctx, id);
  }

  @Mutation(() => GeneratedContentType, { description: 'Generates AI-labelled content in the persona\'s voice (ENTERPRISE, or a key with CONTENT_GENERATE).' })
  generateContent(@Arg('input', () => GenerateContentInput, { description: 'The model, the kind of content and the prompt.' }) input: GenerateContentInput, @Ctx() ctx: Context) {
    return ctx.services.models.generate(ctx, input);
  }

  @FieldResolver(() => OrganizationType, { description: 'The organization it belongs to.' })
  organization(@Root() model: InfluencerModel, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(model.organization.id);
  }

  @FieldResolver(() => ModelVersionType, { nullable: true, description: 'The version that answers.' })
  activeVersion(@Root() model: InfluencerModel, @Ctx() ctx: Context) {
    return model.activeVersionId ? ctx.loaders.modelVersionById.load(model.activeVersionId) : null;
  }

  @FieldResolver(() => [ModelVersionType], { description: 'Every version, oldest first.' })
  versions(@Root() model: InfluencerModel, @Ctx() ctx: Context) {
    return ctx.loaders.modelVersionsByModelId.load(model.id);
  }

  @FieldResolver(() => [TrainingJobType], { description: 'Training jobs, newest first.' })
  async trainingJobs(
    @Root() model: InfluencerModel,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: '1 to 100.' }) first: number | null,
    @Ctx() ctx: Context,
  ) {
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > 100) throw badInput('first must be between 1 and 100', 'first');
    return (await ctx.loaders.trainingJobsByModelId.load(model.id)).slice(0, n);
  }
}

@Resolver(() => TrainingJobType)
export class TrainingJobResolver {
  @FieldResolver(() => InfluencerModelType, { description: 'The model being trained.' })
  model(@Root() job: TrainingJob, @Ctx() ctx: Context) {
    return ctx.loaders.modelById.load(job.model.id);
  }

  @FieldResolver(() => [DatasetType], { description: 'The datasets it trains on (CONSUMED after success).' })
  async datasets(@Root() job: TrainingJob, @Ctx() ctx: Context) {
    return readableOnly(ctx, datasetPolicy, await ctx.loaders.datasetsByIds.load(job.datasetIds));
  }

  @FieldResolver(() => ModelVersionType, { nullable: true, description: 'The version it made.' })
  resultVersion(@Root() job: TrainingJob, @Ctx() ctx: Context) {
    return job.resultVersionId ? ctx.loaders.modelVersionById.load(job.resultVersionId) : null;
  }

  @FieldResolver(() => [TrainingEvent], { description: 'What happened, in order.' })
  events(@Root() job: TrainingJob) {
    return job.events.map((e) => ({ at: new Date(e.at), message: e.message }));
  }
}

@Resolver(() => GeneratedContentType)
export class GeneratedContentResolver {
  @FieldResolver(() => InfluencerModelType, { description: 'The model that generated it.' })
  model(@Root() content: GeneratedContent, @Ctx() ctx: Context) {
    return ctx.loaders.modelById.load(content.model.id);
  }
}

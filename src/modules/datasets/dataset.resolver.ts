import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { badInput } from '../../errors';
import { OrganizationType } from '../organizations/organization.types';
import { UserType } from '../users/user.types';
import { Dataset } from './dataset.entity';
import { CreateDatasetInput, DatasetIssue, DatasetRecord, DatasetType, DatasetUpload, PiiFinding, PiiType } from './dataset.types';
import { PREVIEW_RECORDS } from './dataset-validation';

@Resolver(() => DatasetType)
export class DatasetResolver {
  @Query(() => DatasetType, { nullable: true, description: "A dataset of your organization (or any, for staff)." })
  dataset(@Arg('id', () => ID, { description: 'The dataset\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.datasets.find(ctx, id);
  }

  @Mutation(() => DatasetUpload, { description: 'Creates a dataset: returns a pre-signed upload URL, or validates inline content at once (ENTERPRISE, or a key with DATASETS_WRITE).' })
  createDataset(@Arg('input', () => CreateDatasetInput, { description: 'The dataset: name, kind, format, and either the declared size of a file to upload or inline content.' }) input: CreateDatasetInput, @Ctx() ctx: Context) {
    return ctx.services.datasets.create(ctx, input);
  }

  @Mutation(() => DatasetType, { description: 'Marks the upload done and starts validation (ENTERPRISE, or a key with DATASETS_WRITE).' })
  completeDatasetUpload(@Arg('id', () => ID, { description: 'The dataset\'s id, as returned by createDataset.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.datasets.completeUpload(ctx, id);
  }

  @Mutation(() => DatasetType, { description: 'Destroys the uploaded original and its redacted copy (ENTERPRISE).' })
  deleteDataset(@Arg('id', () => ID, { description: 'The dataset\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.datasets.delete(ctx, id);
  }

  @FieldResolver(() => OrganizationType, { description: 'The organization it belongs to.' })
  async organization(@Root() dataset: Dataset, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(dataset.organization.id);
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'Who created it (null when a partner key did).' })
  createdBy(@Root() dataset: Dataset, @Ctx() ctx: Context) {
    return dataset.createdBy ? ctx.loaders.userById.load(dataset.createdBy.id) : null;
  }

  @FieldResolver(() => [DatasetIssue], { description: 'Problems validation found, with line numbers (the first 100).' })
  issues(@Root() dataset: Dataset) {
    return dataset.issues;
  }

  @FieldResolver(() => [PiiFinding], { description: 'Personal data found and redacted, counted per kind.' })
  piiFindings(@Root() dataset: Dataset) {
    return Object.values(PiiType)
      .filter((type) => (dataset.piiCounts[type] ?? 0) > 0)
      .map((type) => ({ type, count: dataset.piiCounts[type] }));
  }

  @FieldResolver(() => [DatasetRecord], { description: `The first records after redaction (at most ${PREVIEW_RECORDS}).` })
  preview(
    @Ctx() ctx: Context,
    @Root() dataset: Dataset,
    @Arg('limit', () => Int, { nullable: true, defaultValue: 5, description: `How many, 0 to ${PREVIEW_RECORDS}.` }) limit: number | null,
  ) {
    const n = limit ?? 5;
    if (!Number.isInteger(n) || n < 0 || n > PREVIEW_RECORDS) throw badInput(`limit must be between 0 and ${PREVIEW_RECORDS}`, 'limit');
    return ctx.services.datasets.preview(ctx, dataset, n);
  }
}

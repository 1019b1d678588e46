import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { ApiKeyType } from '../api-keys/api-key.types';
import { DatasetStatus } from '../datasets/dataset.entity';
import { DatasetConnection } from '../datasets/dataset.types';
import { InfluencerModelConnection } from '../models/model.types';
import { UserType } from '../users/user.types';
import { Organization } from './organization.entity';
import { OrganizationType } from './organization.types';

@Resolver(() => OrganizationType)
export class OrganizationResolver {
  @Query(() => OrganizationType, { nullable: true, description: 'An organization: your own, or any for staff.' })
  organization(@Arg('id', () => ID, { description: 'The organization\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.organizations.find(ctx, id);
  }

  @FieldResolver(() => [UserType], { description: 'Members of the organization and staff; colleagues see name, department and job title only.' })
  members(@Root() organization: Organization, @Ctx() ctx: Context) {
    return ctx.loaders.membersByOrganizationId.load(organization.id);
  }

  @FieldResolver(() => InfluencerModelConnection, { description: "The organization's influencer models, oldest first." })
  models(
    @Root() organization: Organization,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.models.list(ctx, organization.id, first ?? 20, after);
  }

  @FieldResolver(() => DatasetConnection, { description: "The organization's datasets, oldest first." })
  datasets(
    @Root() organization: Organization,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Arg('status', () => DatasetStatus, { nullable: true, description: 'Only datasets in this status.' }) status: DatasetStatus | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.datasets.listForOrganization(ctx, organization.id, first ?? 20, after, status);
  }

  @FieldResolver(() => [ApiKeyType], { description: "The organization's partner API keys (secrets are never shown again)." })
  apiKeys(@Root() organization: Organization, @Ctx() ctx: Context) {
    return ctx.loaders.apiKeysByOrganizationId.load(organization.id);
  }
}

import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { ApiScope } from '../../auth/roles';
import type { Context } from '../../context';
import { ApiKeyType, CreatedApiKey } from './api-key.types';

@Resolver()
export class ApiKeyResolver {
  @Mutation(() => CreatedApiKey, { description: 'Creates a scoped partner API key for your organization (ENTERPRISE); the secret is returned once.' })
  createApiKey(
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('name', () => String) name: string,
    @Arg('scopes', () => [ApiScope]) scopes: ApiScope[],
    @Ctx() ctx: Context,
  ) {
    return ctx.services.apiKeys.create(ctx, organizationId, name, scopes);
  }

  @Mutation(() => ApiKeyType, { description: 'Revokes an API key of your organization (ENTERPRISE); it is refused from then on.' })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.apiKeys.revoke(ctx, id);
  }
}

import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { ApiScope } from '../../auth/roles';
import type { Context } from '../../context';
import { ApiKeyType, CreatedApiKey } from './api-key.types';

@Resolver()
export class ApiKeyResolver {
  @Mutation(() => CreatedApiKey, { description: 'Creates a scoped partner API key for your organization (ENTERPRISE); the secret is returned once.' })
  createApiKey(
    @Arg('organizationId', () => ID, { description: 'The organization the key acts for (yours).' }) organizationId: string,
    @Arg('name', () => String, { description: 'A label to recognise the key by, such as the partner\'s name.' }) name: string,
    @Arg('scopes', () => [ApiScope], { description: 'What the key may do; at least one.' }) scopes: ApiScope[],
    @Ctx() ctx: Context,
  ) {
    return ctx.services.apiKeys.create(ctx, organizationId, name, scopes);
  }

  @Mutation(() => ApiKeyType, { description: 'Revokes an API key of your organization (ENTERPRISE); it is refused from then on.' })
  revokeApiKey(@Arg('id', () => ID, { description: 'The API key\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.apiKeys.revoke(ctx, id);
  }
}

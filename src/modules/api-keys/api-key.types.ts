import { Field, ID, ObjectType } from 'type-graphql';
import { ApiScope } from '../../auth/roles';

@ObjectType('ApiKey', { description: 'A partner API key, sent as the X-API-Key header.' })
export class ApiKeyType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'What the key is for.' })
  name!: string;

  @Field({ description: 'First characters of the key, for recognising it; the secret itself is shown once.' })
  prefix!: string;

  @Field(() => [ApiScope], { description: 'What the key may do.' })
  scopes!: ApiScope[];

  @Field({ description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was last used (to the minute).' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked; a revoked key is refused.' })
  revokedAt!: Date | null;
}

@ObjectType({ description: 'A new API key and its secret.' })
export class CreatedApiKey {
  @Field(() => ApiKeyType, { description: 'The key.' })
  apiKey!: ApiKeyType;

  @Field({ description: 'The only time the secret is returned.' })
  secret!: string;
}

import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Organization', { description: 'A company using AIMEX: its members, datasets, models and API keys.' })
export class OrganizationType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'Company name.' })
  name!: string;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;
}

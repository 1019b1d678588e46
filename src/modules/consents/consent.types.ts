import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ConsentChannel, ConsentPurpose } from './consent.entity';

// Plain values (simpleResolvers: no resolver per field, the executor reads them inline): a users page has 700.
@ObjectType({ description: 'The current state of one consent purpose, derived from the latest event.', simpleResolvers: true })
export class Consent {
  @Field(() => ConsentPurpose, { description: 'The purpose.' })
  purpose!: ConsentPurpose;

  @Field({ description: 'Whether consent is currently given.' })
  granted!: boolean;

  @Field({ description: 'The privacy-policy version the latest decision was made under.' })
  policyVersion!: string;

  @Field({ description: 'When the latest decision was made.' })
  updatedAt!: Date;
}

@ObjectType({ description: 'One append-only consent decision.', simpleResolvers: true })
export class ConsentEvent {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => ConsentPurpose, { description: 'The purpose decided on.' })
  purpose!: ConsentPurpose;

  @Field({ description: 'Given (true) or withdrawn/refused (false).' })
  granted!: boolean;

  @Field({ description: 'The privacy-policy version in effect at the decision.' })
  policyVersion!: string;

  @Field(() => ConsentChannel, { description: 'Where the decision was made.' })
  channel!: ConsentChannel;

  @Field({ description: 'When.' })
  at!: Date;
}

@ObjectType({ description: 'What a consent purpose covers, as the policy states it.' })
export class ConsentPurposeInfo {
  @Field(() => ConsentPurpose, { description: 'The purpose.' })
  purpose!: ConsentPurpose;

  @Field({ description: 'Required purposes must be granted to sign up and cannot be withdrawn.' })
  required!: boolean;

  @Field({ description: 'Sensitive information needs its own, separate consent.' })
  sensitive!: boolean;

  @Field({ description: 'Short title.' })
  title!: string;

  @Field({ description: 'What the data is used for.' })
  description!: string;

  @Field(() => [String], { description: 'The personal-data items collected under this purpose.' })
  items!: string[];

  @Field({ description: 'How long the data is kept.' })
  retention!: string;
}

@InputType({ description: 'A consent decision for one purpose.' })
export class ConsentInput {
  @Field(() => ConsentPurpose, { description: 'The purpose.' })
  purpose!: ConsentPurpose;

  @Field({ description: 'Give (true) or withdraw (false).' })
  granted!: boolean;
}

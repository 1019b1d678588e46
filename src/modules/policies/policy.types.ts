import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { DataCategory, RetentionAction, RetentionTrigger } from './policy.entity';

export enum PolicyStatus {
  SCHEDULED = 'SCHEDULED',
  EFFECTIVE = 'EFFECTIVE',
  SUPERSEDED = 'SUPERSEDED',
}
registerEnumType(PolicyStatus, {
  name: 'PolicyStatus',
  description: 'Where a policy version stands in time.',
  valuesConfig: {
    SCHEDULED: { description: 'Published, not yet in effect.' },
    EFFECTIVE: { description: 'The policy in effect now.' },
    SUPERSEDED: { description: 'Replaced by a later version.' },
  },
});

export enum PrivacyContactRole {
  CHIEF_PRIVACY_OFFICER = 'CHIEF_PRIVACY_OFFICER',
  PRIVACY_MANAGER = 'PRIVACY_MANAGER',
  ACCESS_REQUEST_DESK = 'ACCESS_REQUEST_DESK',
}
registerEnumType(PrivacyContactRole, {
  name: 'PrivacyContactRole',
  description: 'Whom a privacy contact serves as.',
  valuesConfig: {
    CHIEF_PRIVACY_OFFICER: { description: 'The person responsible for privacy.' },
    PRIVACY_MANAGER: { description: 'A manager of privacy work.' },
    ACCESS_REQUEST_DESK: { description: 'Where requests to see, correct or delete personal data are received.' },
  },
});

@ObjectType('PrivacyPolicy', { description: 'A version of the privacy policy (개인정보 처리방침).' })
export class PrivacyPolicyType {
  @Field({ description: 'Version label, unique.' })
  version!: string;

  @Field(() => PolicyStatus, { description: 'SCHEDULED before effectiveAt, EFFECTIVE while in force, SUPERSEDED after a later one takes effect.' })
  status!: PolicyStatus;

  @Field({ description: 'When it was published.' })
  publishedAt!: Date;

  @Field({ description: 'When it takes effect: at least 7 days after publication.' })
  effectiveAt!: Date;

  @Field(() => String, { nullable: true, description: 'What changed from the previous version.' })
  summaryOfChanges!: string | null;

  @Field({ description: 'Markdown.' })
  body!: string;
}

@InputType({ description: 'A new privacy-policy version.' })
export class PublishPrivacyPolicyInput {
  @Field({ description: 'Version label, unique (1 to 50 characters).' })
  version!: string;

  @Field({ description: 'Markdown body.' })
  body!: string;

  @Field({ description: 'What changed from the previous version.' })
  summaryOfChanges!: string;

  @Field({ description: 'At least 7 days after publication.' })
  effectiveAt!: Date;
}

@ObjectType('Processor', { description: 'A company processing personal data on our behalf (위탁).' })
export class ProcessorType {
  @Field({ description: 'Company name.' })
  name!: string;

  @Field({ description: 'What it does for us.' })
  task!: string;

  @Field({ description: 'How long it keeps the data.' })
  retention!: string;

  @Field(() => String, { nullable: true, description: 'Where the data is processed.' })
  country!: string | null;
}

@ObjectType('PrivacyContact', { description: 'Whom to contact about personal data; set by configuration.' })
export class PrivacyContactType {
  @Field(() => PrivacyContactRole, { description: 'Their role.' })
  role!: PrivacyContactRole;

  @Field({ description: 'Name or desk name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Department.' })
  department?: string | null;

  @Field(() => String, { nullable: true, description: 'Email.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Phone.' })
  phone?: string | null;
}

@ObjectType('RetentionPolicy', { description: 'How long a category of personal data is kept, and what then happens.' })
export class RetentionPolicyType {
  @Field(() => DataCategory, { description: 'The category.' })
  category!: DataCategory;

  @Field({ description: 'ISO 8601 duration counted from the trigger; P0D means at once.' })
  period!: string;

  @Field(() => RetentionTrigger, { description: 'What the period is counted from.' })
  trigger!: RetentionTrigger;

  @Field(() => RetentionAction, { description: 'What happens when it ends.' })
  action!: RetentionAction;

  @Field({ description: 'The law or consent that sets the period.' })
  legalBasis!: string;
}

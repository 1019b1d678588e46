import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../auth/roles';
import { connectionTypes } from '../common/pagination';
import { AccessAction } from './access-log.entity';

export enum PersonalField {
  NAME = 'NAME',
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
}
registerEnumType(PersonalField, {
  name: 'PersonalField',
  description: 'Personal-data fields that staff may reveal unmasked, with a logged reason.',
  valuesConfig: {
    NAME: { description: 'The name.' },
    EMAIL: { description: 'The email address.' },
    PHONE: { description: 'The phone number.' },
  },
});

@ObjectType('AccessLogEntry', { description: 'One tamper-evident record of access to personal data.' })
export class AccessLogEntryType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => Int, { description: 'Position in the chain, gap-free from 1.' })
  sequence!: number;

  @Field({ description: 'When.' })
  at!: Date;

  @Field(() => ID, { nullable: true, description: 'Who acted (null: unknown account or the system).' })
  actorId!: string | null;

  @Field(() => Role, { nullable: true, description: 'Their role at the time.' })
  actorRole!: Role | null;

  @Field(() => AccessAction, { description: 'What was done.' })
  action!: AccessAction;

  @Field(() => ID, { nullable: true, description: 'Whose data.' })
  subjectId!: string | null;

  @Field(() => [String], { description: 'Which personal fields.' })
  fields!: string[];

  @Field(() => String, { nullable: true, description: 'GraphQL operation name.' })
  operation!: string | null;

  @Field(() => String, { nullable: true, description: 'From which IP address.' })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: 'Why (required for reveals).' })
  reason!: string | null;

  @Field({ description: 'SHA-256 of the previous entry.' })
  previousHash!: string;

  @Field({ description: 'SHA-256 of this entry, over a canonical encoding including previousHash.' })
  hash!: string;
}

export const { Edge: AccessLogEdge, Connection: AccessLogConnection } = connectionTypes('AccessLog', AccessLogEntryType, 'access-log entry');

@InputType({ description: 'Narrows the access log.' })
export class AccessLogFilter {
  @Field(() => ID, { nullable: true, description: 'Only this actor.' })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only about this subject.' })
  subjectId?: string | null;

  @Field(() => AccessAction, { nullable: true, description: 'Only this action.' })
  action?: AccessAction | null;

  @Field(() => Date, { nullable: true, description: 'At or after.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Before.' })
  to?: Date | null;
}

@ObjectType({ description: 'The result of recomputing the access-log chain.' })
export class AccessLogVerification {
  @Field({ description: 'True when every entry follows from its predecessor.' })
  valid!: boolean;

  @Field(() => Int, { description: 'Entries checked before stopping.' })
  checkedEntries!: number;

  @Field(() => Int, { nullable: true, description: 'The first entry whose hash does not follow from its predecessor.' })
  firstInvalidSequence!: number | null;

  @Field(() => String, { nullable: true, description: 'Hash of the last valid entry checked.' })
  headHash!: string | null;
}

@ObjectType({ description: 'Unmasked personal data, revealed for a stated reason.' })
export class RevealedPersonalData {
  @Field(() => ID, { description: 'Whose data.' })
  userId!: string;

  @Field(() => String, { nullable: true, description: 'Name, if asked for.' })
  name!: string | null;

  @Field(() => String, { nullable: true, description: 'Email, if asked for.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Phone, if asked for.' })
  phone!: string | null;

  @Field(() => AccessLogEntryType, { description: 'The access-log entry that records this reveal.' })
  accessLogEntry!: AccessLogEntryType;
}

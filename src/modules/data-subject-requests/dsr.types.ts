import { GraphQLJSON } from 'graphql-scalars';
import { GraphQLScalarType } from 'graphql';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/pagination';
import { DataCategory } from '../policies/policy.entity';
import { DataSubjectRequestStatus, DataSubjectRequestType } from './dsr.entity';

/** Arbitrary JSON (the contract's `JSON` scalar). */
export const JSONScalar = new GraphQLScalarType({ ...GraphQLJSON.toConfig(), name: 'JSON', description: 'Any JSON value.' });

@ObjectType('RetainedRecord', { description: 'Records kept after an erasure because a law requires it.' })
export class RetainedRecordType {
  @Field(() => DataCategory, { description: 'Their category.' })
  category!: DataCategory;

  @Field(() => Int, { description: 'How many.' })
  count!: number;

  @Field({ description: 'The law that requires keeping them.' })
  legalBasis!: string;

  @Field({ description: 'When they are destroyed.' })
  retainUntil!: Date;
}

@ObjectType('ErasureReport', { description: 'What an erasure destroyed and what it kept, until when and why.' })
export class ErasureReportType {
  @Field(() => [DataCategory], { description: 'Categories erased.' })
  erasedCategories!: DataCategory[];

  @Field(() => [RetainedRecordType], { description: 'What stays, until when and why.' })
  retained!: RetainedRecordType[];

  @Field({ description: 'When the erasure ran.' })
  completedAt!: Date;

  @Field(() => [ErasedCount], { description: 'How many records went, per category: the evidence of deletion.' })
  counts!: ErasedCount[];
}

@ObjectType({ description: 'How many records an erasure removed in one category.' })
export class ErasedCount {
  @Field(() => DataCategory, { description: 'The category.' })
  category!: DataCategory;

  @Field(() => Int, { description: 'Records deleted, cleared or moved to the separate store.' })
  count!: number;
}

@ObjectType('ProcessingActivity', { description: 'How one category of the subject\'s data is processed.' })
export class ProcessingActivityType {
  @Field(() => DataCategory, { description: 'The category.' })
  category!: DataCategory;

  @Field(() => [String], { description: 'Why it is processed.' })
  purposes!: string[];

  @Field(() => [String], { description: 'Which items it holds.' })
  items!: string[];

  @Field({ description: 'How long it is kept, from when, and what then happens.' })
  retention!: string;

  @Field(() => [String], { description: 'Companies processing it on our behalf.' })
  processors!: string[];

  @Field(() => Int, { description: 'How many records of the subject it holds now.' })
  recordCount!: number;
}

@ObjectType('DataSubjectRequestEvent', { description: 'One change of a request.' })
export class DataSubjectRequestEventType {
  @Field({ description: 'When.' })
  at!: Date;

  @Field(() => DataSubjectRequestStatus, { description: 'The status it moved to (or stayed in).' })
  status!: DataSubjectRequestStatus;

  @Field(() => String, { nullable: true, description: 'What happened, in words.' })
  note!: string | null;
}

@ObjectType('DataSubjectRequest', { description: "A person's request about their own data: access, rectification, erasure, suspension or a processing status notice." })
export class DataSubjectRequestType_ {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => DataSubjectRequestType, { description: 'What is asked.' })
  type!: DataSubjectRequestType;

  @Field(() => DataSubjectRequestStatus, { description: 'Where it stands.' })
  status!: DataSubjectRequestStatus;

  @Field({ description: 'When it was submitted.' })
  submittedAt!: Date;

  @Field({ description: '10 days after submission, unless an officer postponed it with a reason.' })
  dueAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was completed or rejected.' })
  completedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was rejected.' })
  rejectionReason!: string | null;

  @Field(() => [DataCategory], { description: 'ERASURE: the categories chosen (empty: everything, the account closes).' })
  categories!: DataCategory[];

  @Field(() => Int, { description: 'Times its job has run (failures are retried with backoff).' })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: 'When its job ran out of retries: it waits for an officer.' })
  failedAt!: Date | null;
}

export const { Edge: DataSubjectRequestEdge, Connection: DataSubjectRequestConnection } = connectionTypes('DataSubjectRequest', DataSubjectRequestType_, 'data-subject request');

@ObjectType('WithdrawalReceipt', { description: 'Proof of a withdrawal: the account closed, and what was erased and kept.' })
export class WithdrawalReceiptType {
  @Field(() => ID, { description: 'The closed account.' })
  userId!: string;

  @Field({ description: 'When it closed.' })
  withdrawnAt!: Date;

  @Field(() => ErasureReportType, { description: 'What was destroyed now and what is kept apart, until when and why.' })
  erasure!: unknown;
}

@ObjectType('SeparatedRecord', { description: 'A record kept apart after its subject\'s erasure because a law requires it; destroyed at retainUntil.' })
export class SeparatedRecordType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => ID, { description: 'Whose it was.' })
  subjectId!: string;

  @Field(() => DataCategory, { description: 'Its category.' })
  category!: DataCategory;

  @Field({ description: 'What kind of record it was (Purchase, ConsentEvent).' })
  source!: string;

  @Field({ description: 'The law that requires keeping it.' })
  legalBasis!: string;

  @Field({ description: 'When it is destroyed.' })
  retainUntil!: Date;

  @Field({ description: 'When it was moved apart.' })
  separatedAt!: Date;

  @Field(() => JSONScalar, { description: 'The record as it stood, without free text.' })
  data!: unknown;
}

export const { Edge: SeparatedRecordEdge, Connection: SeparatedRecordConnection } = connectionTypes('SeparatedRecord', SeparatedRecordType, 'separated record');

@InputType({ description: 'Corrections to your profile, applied by a privacy officer.' })
export class RectificationInput {
  @Field(() => String, { nullable: true, description: 'Your name as it should read.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Your phone number as it should read.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'Your department (enterprise users).' })
  department?: string | null;

  @Field(() => String, { nullable: true, description: 'Your job title (enterprise users).' })
  jobTitle?: string | null;
}

@InputType({ description: 'A request about your own data.' })
export class SubmitDataSubjectRequestInput {
  @Field(() => DataSubjectRequestType, { description: 'What you ask for.' })
  type!: DataSubjectRequestType;

  @Field(() => String, { nullable: true, description: 'Anything the officer should know (up to 2000 characters).' })
  details?: string | null;

  @Field(() => [DataCategory], { nullable: true, description: 'ERASURE only: erase just these categories; empty or absent erases everything and closes the account.' })
  categories?: DataCategory[] | null;

  @Field(() => RectificationInput, { nullable: true, description: 'RECTIFICATION only: the corrections you ask for.' })
  corrections?: RectificationInput | null;

  @Field({ description: 'Re-authentication: your current password.' })
  password!: string;
}

@InputType({ description: 'Narrows the request queue.' })
export class DataSubjectRequestFilter {
  @Field(() => DataSubjectRequestStatus, { nullable: true, description: 'Only requests in this status.' })
  status?: DataSubjectRequestStatus | null;

  @Field(() => DataSubjectRequestType, { nullable: true, description: 'Only requests of this type.' })
  type?: DataSubjectRequestType | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only open requests past their due date; false: only the others.' })
  overdue?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only requests whose job ran out of retries.' })
  failed?: boolean | null;
}

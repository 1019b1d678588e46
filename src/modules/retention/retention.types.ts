import { Field, ID, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/pagination';
import { DataCategory, RetentionAction } from '../policies/policy.entity';
import { PurgeRunStatus } from './retention.entity';

@ObjectType({ description: 'What a purge removed (or would remove) in one category.' })
export class PurgeCount {
  @Field(() => DataCategory, { description: 'The category.' })
  category!: DataCategory;

  @Field(() => RetentionAction, { description: 'What was done.' })
  action!: RetentionAction;

  @Field(() => Int, { description: 'How many records (for the storage sweep: objects).' })
  count!: number;

  @Field(() => String, { nullable: true, description: 'For the storage sweep: the bucket prefix (datasets/, models/, exports/) whose unowned objects were counted; null for database records.' })
  prefix?: string | null;
}

@ObjectType('PurgeRun', { description: 'One run of the retention purge.' })
export class PurgeRunType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'True when it only counted.' })
  dryRun!: boolean;

  @Field(() => PurgeRunStatus, { description: 'Where it stands.' })
  status!: PurgeRunStatus;

  @Field({ description: 'When it started.' })
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it ended.' })
  finishedAt!: Date | null;

  @Field(() => [PurgeCount], { description: 'Counts per category.' })
  counts!: PurgeCount[];
}

export const { Edge: PurgeRunEdge, Connection: PurgeRunConnection } = connectionTypes('PurgeRun', PurgeRunType, 'purge run');

@ObjectType('LegalHold', { description: "A hold on a subject's data: the purge keeps it while in force." })
export class LegalHoldType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => ID, { description: 'Whose data.' })
  subjectId!: string;

  @Field({ description: 'Why.' })
  reason!: string;

  @Field(() => Date, { nullable: true, description: 'When it ends by itself (null: until released).' })
  until!: Date | null;

  @Field({ description: 'When it was placed.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was released.' })
  releasedAt!: Date | null;
}

import { Field, Float, Int, ObjectType } from 'type-graphql';
import { ConsentPurpose } from '../consents/consent.entity';

@ObjectType({ description: 'How many active members grant a purpose.' })
export class ConsentRate {
  @Field(() => ConsentPurpose, { description: 'The purpose.' })
  purpose!: ConsentPurpose;

  @Field(() => Float, { nullable: true, description: 'Share of active members who grant it; null when fewer than 5 members.' })
  rate!: number | null;
}

@ObjectType({ description: 'Aggregate use of the service over a period; groups under 5 people are suppressed.' })
export class UsageStatistics {
  @Field({ description: 'Start of the period (inclusive).' })
  from!: Date;

  @Field({ description: 'End of the period (exclusive).' })
  to!: Date;

  @Field(() => Int, { description: 'Members (role MEMBER, still active) who used the service in the period.' })
  activeMembers!: number;

  @Field(() => Int, { description: 'Accounts created in the period.' })
  newSignUps!: number;

  @Field(() => [ConsentRate], { description: 'Consent rates among the active members.' })
  consentRates!: ConsentRate[];

  @Field(() => Int, { description: 'Missions started in the period.' })
  missionsStarted!: number;

  @Field(() => Int, { description: 'Content generated in the period.' })
  contentGenerated!: number;
}

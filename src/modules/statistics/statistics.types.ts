import { Field, Float, Int, ObjectType } from 'type-graphql';
import { ConsentPurpose } from '../consents/consent.entity';

@ObjectType({ description: 'How many active members grant a purpose.' })
export class ConsentRate {
  @Field(() => ConsentPurpose, { description: 'The purpose.' })
  purpose!: ConsentPurpose;

  @Field(() => Float, { nullable: true, description: 'Share of active members who grant it; null (and named in suppressedFigures) when fewer than 5 grant it or fewer than 5 do not.' })
  rate!: number | null;
}

@ObjectType({ description: 'Aggregate use of the service over a period; a figure about fewer than 5 people is suppressed (see suppressedFigures).' })
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

  @Field(() => [String], {
    description: 'The figures suppressed because they would describe fewer than 5 people (a group of 0 included): '
      + 'activeMembers, newSignUps, missionsStarted, contentGenerated (each then reads 0) and consentRates.<PURPOSE> '
      + '(its rate then reads null; suppressed when fewer than 5 active members grant the purpose or fewer than 5 do not). '
      + 'The group of missionsStarted is the members who started them, of contentGenerated the people (or API keys) who generated it. '
      + 'In the order of the fields.',
  })
  suppressedFigures!: string[];
}

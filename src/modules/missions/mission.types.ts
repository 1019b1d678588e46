import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/pagination';
import { ActivityLevel, MissionCategory, MissionStatus } from './mission.entity';

@ObjectType('HealthProfile', { description: 'Sensitive (health). The user alone, and only with HEALTH_DATA consent.' })
export class HealthProfileType {
  @Field(() => Float, { nullable: true, description: 'Height in cm.' })
  heightCm!: number | null;

  @Field(() => Float, { nullable: true, description: 'Weight in kg.' })
  weightKg!: number | null;

  @Field(() => ActivityLevel, { nullable: true, description: 'How active.' })
  activityLevel!: ActivityLevel | null;

  @Field(() => [String], { description: 'Health goals.' })
  goals!: string[];

  @Field(() => [String], { description: 'Health conditions to keep in mind.' })
  conditions!: string[];

  @Field({ description: 'When it last changed.' })
  updatedAt!: Date;
}

@InputType({ description: 'Changes to your health profile; absent fields stay, null clears.' })
export class HealthProfileInput {
  @Field(() => Float, { nullable: true, description: 'Height in cm (50 to 260).' })
  heightCm?: number | null;

  @Field(() => Float, { nullable: true, description: 'Weight in kg (10 to 400).' })
  weightKg?: number | null;

  @Field(() => ActivityLevel, { nullable: true, description: 'How active.' })
  activityLevel?: ActivityLevel | null;

  @Field(() => [String], { nullable: true, description: 'Up to 10 goals of up to 100 characters.' })
  goals?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Up to 10 conditions of up to 100 characters.' })
  conditions?: string[] | null;
}

@ObjectType('MissionTemplate', { description: 'A healthcare mission members can start.' })
export class MissionTemplateType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'Title.' })
  title!: string;

  @Field({ description: 'What to do.' })
  description!: string;

  @Field(() => MissionCategory, { description: 'What it is about.' })
  category!: MissionCategory;

  @Field(() => Float, { description: 'Daily target, in unit.' })
  targetValue!: number;

  @Field({ description: 'Unit of the daily target, e.g. 걸음, ml, 분.' })
  unit!: string;

  @Field(() => Int, { description: 'How many days it runs.' })
  durationDays!: number;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;
}

export const { Edge: MissionTemplateEdge, Connection: MissionTemplateConnection } = connectionTypes('MissionTemplate', MissionTemplateType, 'mission template');

@InputType({ description: 'A new mission template.' })
export class CreateMissionTemplateInput {
  @Field(() => ID, { nullable: true, description: "Your organization's (ENTERPRISE); absent: platform-wide (ADMIN)." })
  organizationId?: string | null;

  @Field({ description: 'Title (1 to 100 characters).' })
  title!: string;

  @Field({ description: 'Description (1 to 2000 characters).' })
  description!: string;

  @Field(() => MissionCategory, { description: 'What it is about.' })
  category!: MissionCategory;

  @Field(() => Float, { description: 'Daily target (greater than 0).' })
  targetValue!: number;

  @Field({ description: 'Unit (1 to 20 characters).' })
  unit!: string;

  @Field(() => Int, { description: '1 to 365 days.' })
  durationDays!: number;

  @Field(() => ID, { nullable: true, description: "A model of the template's organization that coaches after each check-in." })
  coachModelId?: string | null;
}

@ObjectType('MissionCheckIn', { description: "One day's record of a mission." })
export class MissionCheckInType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'Calendar day, YYYY-MM-DD.' })
  date!: string;

  @Field(() => Float, { description: 'The value reached that day.' })
  value!: number;

  @Field(() => String, { nullable: true, description: 'A note.' })
  note!: string | null;

  @Field({ description: 'When it was recorded.' })
  createdAt!: Date;
}

@ObjectType('Mission', { description: "A member's run of a mission template." })
export class MissionType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'First day (Asia/Seoul), YYYY-MM-DD.' })
  startDate!: string;

  @Field({ description: 'Last day (Asia/Seoul), YYYY-MM-DD.' })
  endDate!: string;

  @Field({ description: 'When it was started.' })
  createdAt!: Date;
}

@InputType({ description: "A day's check-in." })
export class CheckInInput {
  @Field(() => ID, { description: 'Your mission.' })
  missionId!: string;

  @Field({ description: 'Calendar day, YYYY-MM-DD (Asia/Seoul), within the mission and not in the future.' })
  date!: string;

  @Field(() => Float, { description: 'The value reached (0 or more).' })
  value!: number;

  @Field(() => String, { nullable: true, description: 'A note (up to 500 characters).' })
  note?: string | null;
}

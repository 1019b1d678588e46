import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';

export enum MissionCategory {
  STEPS = 'STEPS',
  HYDRATION = 'HYDRATION',
  SLEEP = 'SLEEP',
  EXERCISE = 'EXERCISE',
  NUTRITION = 'NUTRITION',
  MINDFULNESS = 'MINDFULNESS',
}
export enum MissionStatus {
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
  ABANDONED = 'ABANDONED',
  EXPIRED = 'EXPIRED',
  PAUSED = 'PAUSED',
}
export enum ActivityLevel {
  SEDENTARY = 'SEDENTARY',
  LIGHT = 'LIGHT',
  MODERATE = 'MODERATE',
  ACTIVE = 'ACTIVE',
  VERY_ACTIVE = 'VERY_ACTIVE',
}
registerEnumType(MissionCategory, {
  name: 'MissionCategory',
  description: 'What a healthcare mission is about.',
  valuesConfig: {
    STEPS: { description: 'Walking a number of steps a day.' },
    HYDRATION: { description: 'Drinking enough water.' },
    SLEEP: { description: 'Sleeping enough, at regular hours.' },
    EXERCISE: { description: 'A workout a day.' },
    NUTRITION: { description: 'Eating well.' },
    MINDFULNESS: { description: 'Meditation and breathing.' },
  },
});
registerEnumType(MissionStatus, {
  name: 'MissionStatus',
  description: 'Where a mission stands.',
  valuesConfig: {
    ACTIVE: { description: 'Running: check in once a day.' },
    COMPLETED: { description: 'Every day of the mission was on target.' },
    ABANDONED: { description: 'Given up by the member.' },
    EXPIRED: { description: 'Its last day has passed without every day on target.' },
    PAUSED: { description: 'Stopped because the HEALTH_DATA consent was withdrawn; granting it again resumes it.' },
  },
});
registerEnumType(ActivityLevel, {
  name: 'ActivityLevel',
  description: 'How active a person is.',
  valuesConfig: {
    SEDENTARY: { description: 'Little or no exercise.' },
    LIGHT: { description: 'Light exercise 1 to 3 days a week.' },
    MODERATE: { description: 'Moderate exercise 3 to 5 days a week.' },
    ACTIVE: { description: 'Hard exercise 6 to 7 days a week.' },
    VERY_ACTIVE: { description: 'Very hard exercise or a physical job.' },
  },
});

/** Sensitive (PIPA art. 23): every value encrypted under the member's key; written only with HEALTH_DATA consent. */
@Entity({ tableName: 'health_profiles' })
export class HealthProfile {
  [OptionalProps]?: 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'blob', nullable: true })
  heightCmEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  weightKgEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  activityLevelEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  goalsEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  conditionsEnc: Buffer | null = null;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

@Entity({ tableName: 'mission_templates' })
@Index({ properties: ['createdAt'] })
@Index({ name: 'mission_templates_popularity_index', expression: 'create index "mission_templates_popularity_index" on "mission_templates" ("mission_count" desc, "created_at" desc) include ("id", "category", "title")' })
export class MissionTemplate {
  [OptionalProps]?: 'createdAt' | 'missionCount';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Null: a platform-wide template made by staff. */
  @ManyToOne(() => Organization, { nullable: true, deleteRule: 'cascade' })
  organization: Organization | null = null;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text' })
  description!: string;

  @Enum({ items: () => MissionCategory })
  category!: MissionCategory;

  @Property({ type: 'double' })
  targetValue!: number;

  @Property({ type: 'text' })
  unit!: string;

  @Property({ type: 'integer' })
  durationDays!: number;

  @Property({ type: 'uuid', nullable: true })
  coachModelId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /** Missions started from it: its popularity. Kept by triggers on `missions`; never written here. */
  @Property({ type: 'integer', default: 0 })
  missionCount: number = 0;
}

@Entity({ tableName: 'missions' })
@Index({ properties: ['user', 'createdAt'] })
export class Mission {
  [OptionalProps]?: 'status' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @ManyToOne(() => MissionTemplate, { deleteRule: 'cascade' })
  template!: MissionTemplate;

  @Enum({ items: () => MissionStatus })
  status: MissionStatus = MissionStatus.ACTIVE;

  /** Calendar days in Asia/Seoul, YYYY-MM-DD; endDate is the last day. */
  @Property({ type: 'text' })
  startDate!: string;

  @Property({ type: 'text' })
  endDate!: string;

  @Property({ type: 'uuid', nullable: true })
  lastCoachingId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@Entity({ tableName: 'mission_check_ins' })
@Unique({ properties: ['mission', 'date'] })
export class MissionCheckIn {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Mission, { deleteRule: 'cascade' })
  mission!: Mission;

  @Property({ type: 'uuid', index: true })
  userId!: string;

  @Property({ type: 'text' })
  date!: string;

  @Property({ type: 'blob' })
  valueEnc!: Buffer;

  @Property({ type: 'blob', nullable: true })
  noteEnc: Buffer | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

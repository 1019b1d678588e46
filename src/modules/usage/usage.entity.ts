import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** One per HTTP request: the web-visit log the policy says we collect (kept 3 months). */
@Entity({ tableName: 'web_visits' })
export class WebVisit {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'timestamptz', index: true })
  at!: Date;

  @Property({ type: 'text', nullable: true })
  ipAddress: string | null = null;

  @Property({ type: 'text', nullable: true })
  operation: string | null = null;

  @Property({ type: 'uuid', nullable: true, index: true })
  userId: string | null = null;
}

export enum UsageEventType {
  SIGN_UP = 'SIGN_UP',
  SIGN_IN = 'SIGN_IN',
  SIGN_OUT = 'SIGN_OUT',
  PASSWORD_CHANGE = 'PASSWORD_CHANGE',
  CONSENT_CHANGE = 'CONSENT_CHANGE',
  PROFILE_CHANGE = 'PROFILE_CHANGE',
}

/** Service-usage records (kept 3 years from collection). */
@Entity({ tableName: 'usage_events' })
@Index({ properties: ['userId', 'at'] })
export class UsageEvent {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  userId!: string;

  @Enum({ items: () => UsageEventType })
  type!: UsageEventType;

  @Property({ type: 'text', nullable: true })
  ipAddress: string | null = null;

  @Property({ type: 'timestamptz', index: true })
  at: Date = new Date();
}

import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';

export enum DataCategory {
  MEMBER_PROFILE = 'MEMBER_PROFILE',
  SERVICE_USAGE_RECORD = 'SERVICE_USAGE_RECORD',
  MARKETING_CONSENT = 'MARKETING_CONSENT',
  TRAINING_DATA = 'TRAINING_DATA',
  CONTRACT_RECORD = 'CONTRACT_RECORD',
  PAYMENT_RECORD = 'PAYMENT_RECORD',
  COMPLAINT_RECORD = 'COMPLAINT_RECORD',
  WEB_VISIT_LOG = 'WEB_VISIT_LOG',
  ACCESS_LOG = 'ACCESS_LOG',
  CONVERSATION_LOG = 'CONVERSATION_LOG',
  HEALTH_DATA = 'HEALTH_DATA',
}
export enum RetentionTrigger {
  COLLECTED = 'COLLECTED',
  WITHDRAWAL = 'WITHDRAWAL',
  CONSENT_WITHDRAWN = 'CONSENT_WITHDRAWN',
  MODEL_TRAINED = 'MODEL_TRAINED',
}
export enum RetentionAction {
  DELETE = 'DELETE',
  ANONYMIZE = 'ANONYMIZE',
  SEPARATE = 'SEPARATE',
}
registerEnumType(DataCategory, { name: 'DataCategory', description: 'Categories of personal data, each with its retention (SPEC section 9).' });
registerEnumType(RetentionTrigger, { name: 'RetentionTrigger', description: 'The event a retention period is counted from.' });
registerEnumType(RetentionAction, { name: 'RetentionAction', description: 'What happens when a retention period ends.' });

@Entity({ tableName: 'privacy_policies' })
export class PrivacyPolicy {
  [OptionalProps]?: 'publishedAt';

  @PrimaryKey({ type: 'text' })
  version!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'text', nullable: true })
  summaryOfChanges: string | null = null;

  @Property({ type: 'timestamptz' })
  publishedAt: Date = new Date();

  @Property({ type: 'timestamptz', index: true })
  effectiveAt!: Date;

  /** Staff account that published it; null for the seeded first policy. */
  @Property({ type: 'uuid', nullable: true })
  publishedById: string | null = null;
}

@Entity({ tableName: 'retention_policies' })
export class RetentionPolicy {
  @PrimaryKey({ type: 'text' })
  category!: DataCategory;

  @Property({ type: 'text' })
  period!: string;

  @Enum({ items: () => RetentionTrigger })
  trigger!: RetentionTrigger;

  @Enum({ items: () => RetentionAction })
  action!: RetentionAction;

  @Property({ type: 'text' })
  legalBasis!: string;
}

@Entity({ tableName: 'processors' })
export class Processor {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  task!: string;

  @Property({ type: 'text' })
  retention!: string;

  @Property({ type: 'text', nullable: true })
  country: string | null = null;

  @Property()
  sortOrder!: number;
}

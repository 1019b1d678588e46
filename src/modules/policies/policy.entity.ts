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
registerEnumType(DataCategory, {
  name: 'DataCategory',
  description: 'Categories of personal data, each with its retention period (see retentionPolicies).',
  valuesConfig: {
    MEMBER_PROFILE: { description: 'Account and profile data: name, email, phone, department, job title, interests.' },
    SERVICE_USAGE_RECORD: { description: 'Records of using the service (sign-ins, changes, generated content).' },
    MARKETING_CONSENT: { description: 'Marketing consents and what they cover.' },
    TRAINING_DATA: { description: 'Datasets uploaded to train models.' },
    CONTRACT_RECORD: { description: 'Records of agreements and consents, kept as evidence.' },
    PAYMENT_RECORD: { description: 'Purchases and payments.' },
    COMPLAINT_RECORD: { description: 'Complaints and disputes.' },
    WEB_VISIT_LOG: { description: 'Web visit records: time, IP address, operation.' },
    ACCESS_LOG: { description: 'The access log of staff reads and account events.' },
    CONVERSATION_LOG: { description: 'Chat messages with AI models.' },
    HEALTH_DATA: { description: 'Sensitive health data: health profile, missions, check-ins.' },
  },
});
registerEnumType(RetentionTrigger, {
  name: 'RetentionTrigger',
  description: 'The event a retention period is counted from.',
  valuesConfig: {
    COLLECTED: { description: 'Counted from when the data was collected.' },
    WITHDRAWAL: { description: 'Counted from when the account was closed.' },
    CONSENT_WITHDRAWN: { description: 'Counted from when the consent it depends on was withdrawn.' },
    MODEL_TRAINED: { description: 'Counted from when the model was trained on it.' },
  },
});
registerEnumType(RetentionAction, {
  name: 'RetentionAction',
  description: 'What happens when a retention period ends.',
  valuesConfig: {
    DELETE: { description: 'The data is deleted.' },
    ANONYMIZE: { description: 'The data is kept without anything that identifies the person.' },
    SEPARATE: { description: 'The data is moved to separate storage, kept only as long as a law requires.' },
  },
});

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

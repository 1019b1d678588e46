import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { User } from '../users/user.entity';

export enum ConsentPurpose {
  TERMS_OF_SERVICE = 'TERMS_OF_SERVICE',
  PERSONAL_INFO_COLLECTION = 'PERSONAL_INFO_COLLECTION',
  MARKETING = 'MARKETING',
  PERSONALIZATION = 'PERSONALIZATION',
  HEALTH_DATA = 'HEALTH_DATA',
  CONVERSATION_ANALYSIS = 'CONVERSATION_ANALYSIS',
  THIRD_PARTY_PROVISION = 'THIRD_PARTY_PROVISION',
}

export enum ConsentChannel {
  WEB = 'WEB',
  MOBILE = 'MOBILE',
  ADMIN_CONSOLE = 'ADMIN_CONSOLE',
  PARTNER_API = 'PARTNER_API',
}

registerEnumType(ConsentPurpose, {
  name: 'ConsentPurpose',
  description: 'Why personal data is processed: each purpose is consented to (or refused) on its own.',
  valuesConfig: {
    TERMS_OF_SERVICE: { description: 'Agreement to the terms of service. Required: it cannot be withdrawn (close the account instead).' },
    PERSONAL_INFO_COLLECTION: { description: 'Collection and use of the personal data the service needs (name, email, phone; company, department and job title for enterprise users; usage records, access logs, IP address). Required.' },
    MARKETING: { description: 'News about new products and events.' },
    PERSONALIZATION: { description: 'Personalised content, product and ad recommendations; without it recommendations are the popular items.' },
    HEALTH_DATA: { description: 'Sensitive health data (height, weight, goals, conditions) for healthcare missions and coaching; a separate consent, needed to write a health profile or a mission.' },
    CONVERSATION_ANALYSIS: { description: 'Analysis of chat logs to improve the service.' },
    THIRD_PARTY_PROVISION: { description: 'Provision of personal data to third parties beyond the stated purposes.' },
  },
});
registerEnumType(ConsentChannel, {
  name: 'ConsentChannel',
  description: 'Where a consent was given or withdrawn.',
  valuesConfig: {
    WEB: { description: 'The web site.' },
    MOBILE: { description: 'The mobile app.' },
    ADMIN_CONSOLE: { description: 'Entered by staff in the admin console (for example from a paper form).' },
    PARTNER_API: { description: 'Collected by a partner and sent through the API.' },
  },
});

/** Append-only: the current consent state is derived from the latest event per purpose. */
@Entity({ tableName: 'consent_events' })
@Index({ properties: ['user', 'at'] })
export class ConsentEvent {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Enum({ items: () => ConsentPurpose })
  purpose!: ConsentPurpose;

  @Property()
  granted!: boolean;

  @Property({ type: 'text' })
  policyVersion!: string;

  @Enum({ items: () => ConsentChannel })
  channel!: ConsentChannel;

  @Property({ type: 'timestamptz' })
  at: Date = new Date();
}

/** Reference data seeded from src/modules/policies/policy-seed.ts. */
@Entity({ tableName: 'consent_purposes' })
export class ConsentPurposeDefinition {
  @PrimaryKey({ type: 'text' })
  purpose!: ConsentPurpose;

  @Property()
  required!: boolean;

  @Property()
  sensitive!: boolean;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text' })
  description!: string;

  @Property({ type: ArrayType })
  items!: string[];

  @Property({ type: 'text' })
  retention!: string;

  @Property()
  sortOrder!: number;
}

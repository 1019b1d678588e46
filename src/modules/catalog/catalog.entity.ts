import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';

export enum RecommendationKind {
  PRODUCT = 'PRODUCT',
  CONTENT = 'CONTENT',
  MISSION = 'MISSION',
}
export enum FeedbackAction {
  CLICKED = 'CLICKED',
  DISMISSED = 'DISMISSED',
}
registerEnumType(RecommendationKind, {
  name: 'RecommendationKind',
  description: 'What to recommend.',
  valuesConfig: {
    PRODUCT: { description: 'Products of the catalogue.' },
    CONTENT: { description: 'Published content.' },
    MISSION: { description: 'Mission templates.' },
  },
});
registerEnumType(FeedbackAction, {
  name: 'FeedbackAction',
  description: 'What a member did with a recommendation.',
  valuesConfig: {
    CLICKED: { description: 'The member opened the item: more like it.' },
    DISMISSED: { description: 'The member dismissed the item: it is left out and counts against similar ones.' },
  },
});

@Entity({ tableName: 'products' })
@Index({ properties: ['organization', 'createdAt'] })
export class Product {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Organization;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  @Property({ type: 'text' })
  category!: string;

  @Property({ type: ArrayType })
  tags!: string[];

  @Property({ type: 'integer' })
  priceKrw!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** Kept 5 years (PAYMENT_RECORD); the review text is the member's own words, encrypted under their key. */
@Entity({ tableName: 'purchases' })
@Index({ properties: ['user', 'purchasedAt'] })
export class Purchase {
  [OptionalProps]?: 'purchasedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @ManyToOne(() => Product, { deleteRule: 'cascade' })
  product!: Product;

  @Property({ type: 'integer' })
  quantity!: number;

  @Property({ type: 'integer' })
  amountKrw!: number;

  @Property({ type: 'timestamptz' })
  purchasedAt: Date = new Date();

  @Property({ type: 'integer', nullable: true })
  reviewRating: number | null = null;

  @Property({ type: 'blob', nullable: true })
  reviewTextEnc: Buffer | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  reviewedAt: Date | null = null;
}

@Entity({ tableName: 'content_items' })
@Index({ properties: ['organization', 'createdAt'] })
export class ContentItem {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Organization;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: ArrayType })
  tags!: string[];

  @Property({ type: 'uuid', nullable: true })
  modelId: string | null = null;

  @Property()
  aiGenerated!: boolean;

  @Property({ type: 'text', nullable: true })
  disclosure: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@Entity({ tableName: 'recommendation_feedback' })
@Index({ properties: ['userId', 'kind'] })
export class RecommendationFeedback {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  userId!: string;

  @Enum({ items: () => RecommendationKind })
  kind!: RecommendationKind;

  @Property({ type: 'uuid' })
  itemId!: string;

  @Enum({ items: () => FeedbackAction })
  action!: FeedbackAction;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

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
@Index({ name: 'products_popularity_index', expression: 'create index "products_popularity_index" on "products" ("purchase_count" desc, "created_at" desc) include ("id", "category", "tags")' })
@Index({ name: 'products_tags_index', expression: 'create index "products_tags_index" on "products" using gin ("tags")' })
@Index({ properties: ['category'] })
export class Product {
  [OptionalProps]?: 'createdAt' | 'purchaseCount';

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

  /**
   * Purchases of it: the popularity signal of recommendations. Kept by triggers on `purchases`
   * (in the transaction that inserts or deletes them, purges and erasure included); never written here.
   */
  @Property({ type: 'integer', default: 0 })
  purchaseCount: number = 0;
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
@Index({ name: 'content_items_popularity_index', expression: 'create index "content_items_popularity_index" on "content_items" ("click_count" desc, "created_at" desc) include ("id", "tags")' })
@Index({ name: 'content_items_tags_index', expression: 'create index "content_items_tags_index" on "content_items" using gin ("tags")' })
export class ContentItem {
  [OptionalProps]?: 'createdAt' | 'clickCount';

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

  /** CLICKED feedback on it: its popularity. Kept by triggers on `recommendation_feedback`; never written here. */
  @Property({ type: 'integer', default: 0 })
  clickCount: number = 0;
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

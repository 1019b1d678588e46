import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/pagination';

@ObjectType('Product', { description: 'A product of an organization.' })
export class ProductType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'Name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Description.' })
  description!: string | null;

  @Field({ description: 'Category.' })
  category!: string;

  @Field(() => [String], { description: 'Tags, matched against members\' interests for recommendations.' })
  tags!: string[];

  @Field(() => Int, { description: 'Price in won.' })
  priceKrw!: number;

  @Field({ description: 'When it was added.' })
  createdAt!: Date;
}

export const { Edge: ProductEdge, Connection: ProductConnection } = connectionTypes('Product', ProductType, 'product');

@InputType({ description: 'A new product.' })
export class CreateProductInput {
  @Field(() => ID, { description: 'Your organization.' })
  organizationId!: string;

  @Field({ description: 'Name (1 to 200 characters).' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Description (up to 5000 characters).' })
  description?: string | null;

  @Field({ description: 'Category (1 to 50 characters).' })
  category!: string;

  @Field(() => [String], { description: 'Up to 20 tags of up to 30 characters.' })
  tags!: string[];

  @Field(() => Int, { description: 'Price in won (0 or more).' })
  priceKrw!: number;
}

@ObjectType('Review', { description: "A member's review of a purchase." })
export class ReviewType {
  @Field(() => Int, { description: '1 to 5.' })
  rating!: number;

  @Field(() => String, { nullable: true, description: 'The review text.' })
  text!: string | null;

  @Field({ description: 'When it was written.' })
  createdAt!: Date;
}

@ObjectType('Purchase', { description: "A member's purchase." })
export class PurchaseType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => Int, { description: 'How many.' })
  quantity!: number;

  @Field(() => Int, { description: 'Amount paid in won.' })
  amountKrw!: number;

  @Field({ description: 'When.' })
  purchasedAt!: Date;
}

@InputType({ description: 'A review of your purchase.' })
export class ReviewInput {
  @Field(() => ID, { description: 'Your purchase.' })
  purchaseId!: string;

  @Field(() => Int, { description: '1 to 5.' })
  rating!: number;

  @Field(() => String, { nullable: true, description: 'Up to 2000 characters.' })
  text?: string | null;
}

@ObjectType('ContentItem', { description: 'Published content of an organization.' })
export class ContentItemType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'Title.' })
  title!: string;

  @Field({ description: 'Body.' })
  body!: string;

  @Field(() => [String], { description: 'Tags.' })
  tags!: string[];

  @Field({ description: 'True when an influencer model generated it.' })
  aiGenerated!: boolean;

  @Field(() => String, { nullable: true, description: 'The AI label to show beside it, when AI-generated.' })
  disclosure!: string | null;

  @Field({ description: 'When it was published.' })
  createdAt!: Date;
}

@InputType({ description: 'Content to publish.' })
export class PublishContentInput {
  @Field(() => ID, { description: 'Your organization.' })
  organizationId!: string;

  @Field({ description: 'Title (1 to 200 characters).' })
  title!: string;

  @Field({ description: 'Body (1 to 20000 characters).' })
  body!: string;

  @Field(() => [String], { description: 'Up to 20 tags.' })
  tags!: string[];

  @Field(() => ID, { nullable: true, description: 'Publish a generated content item; it keeps its AI label.' })
  generatedContentId?: string | null;
}

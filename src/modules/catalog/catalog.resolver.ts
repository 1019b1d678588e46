import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { InfluencerModelType } from '../models/model.types';
import { OrganizationType } from '../organizations/organization.types';
import { ContentItem, FeedbackAction, Product, Purchase, RecommendationKind } from './catalog.entity';
import { ContentItemType, CreateProductInput, ProductConnection, ProductType, PublishContentInput, PurchaseType, ReviewInput, ReviewType } from './catalog.types';

@Resolver(() => ProductType)
export class ProductResolver {
  @Query(() => ProductConnection, { description: 'Products anyone may browse, oldest first.' })
  products(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: "Only this organization's products." }) organizationId: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.catalog.products(ctx, first ?? 20, after, organizationId);
  }

  @Mutation(() => ProductType, { description: 'Adds a product to your organization (ENTERPRISE, or a key with CATALOG_WRITE).' })
  createProduct(@Arg('input', () => CreateProductInput, { description: 'The product.' }) input: CreateProductInput, @Ctx() ctx: Context) {
    return ctx.services.catalog.createProduct(ctx, input);
  }

  @Mutation(() => PurchaseType, { description: 'Records your purchase of a product.' })
  recordPurchase(
    @Arg('productId', () => ID, { description: 'The product bought.' }) productId: string,
    @Arg('quantity', () => Int, { nullable: true, defaultValue: 1, description: '1 to 100.' }) quantity: number | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.catalog.recordPurchase(ctx, productId, quantity ?? 1);
  }

  @Mutation(() => PurchaseType, { description: 'Reviews your purchase (a second review replaces the first).' })
  reviewPurchase(@Arg('input', () => ReviewInput, { description: 'The purchase and its review.' }) input: ReviewInput, @Ctx() ctx: Context) {
    return ctx.services.catalog.review(ctx, input);
  }

  @Mutation(() => ContentItemType, { description: 'Publishes content for your organization (ENTERPRISE, or a key with CATALOG_WRITE); generated content keeps its AI label.' })
  publishContent(@Arg('input', () => PublishContentInput, { description: 'The content to publish.' }) input: PublishContentInput, @Ctx() ctx: Context) {
    return ctx.services.catalog.publishContent(ctx, input);
  }

  @Mutation(() => Boolean, { description: 'Tells recommendations you clicked or dismissed an item.' })
  recordRecommendationFeedback(
    @Arg('kind', () => RecommendationKind, { description: 'The kind of the recommended item.' }) kind: RecommendationKind,
    @Arg('itemId', () => ID, { description: 'The recommended item\'s id (a product, content item or mission template).' }) itemId: string,
    @Arg('action', () => FeedbackAction, { description: 'What the member did with it.' }) action: FeedbackAction,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.catalog.recordFeedback(ctx, kind, itemId, action);
  }

  @FieldResolver(() => OrganizationType, { description: 'Whose product.' })
  organization(@Root() product: Product, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(product.organization.id);
  }
}

@Resolver(() => PurchaseType)
export class PurchaseResolver {
  @FieldResolver(() => ProductType, { description: 'What was bought.' })
  product(@Root() purchase: Purchase, @Ctx() ctx: Context) {
    return ctx.loaders.productById.load(purchase.product.id);
  }

  @FieldResolver(() => ReviewType, { nullable: true, description: 'Your review, if any.' })
  review(@Root() purchase: Purchase, @Ctx() ctx: Context) {
    return ctx.services.catalog.reviewOf(ctx, purchase);
  }
}

@Resolver(() => ContentItemType)
export class ContentItemResolver {
  @FieldResolver(() => InfluencerModelType, { nullable: true, description: 'The model that generated it.' })
  model(@Root() item: ContentItem, @Ctx() ctx: Context) {
    return item.modelId ? ctx.loaders.modelById.load(item.modelId) : null;
  }
}

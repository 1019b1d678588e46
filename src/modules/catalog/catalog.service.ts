import type { FilterQuery } from '@mikro-orm/core';
import { readableOr404 } from '../../auth/policy';
import { ApiScope } from '../../auth/roles';
import { actsForOrganization } from '../../auth/scopes';
import { isUuid } from '../../common/ids';
import { emptyPage, paginate, type Page } from '../../common/pagination';
import { optionalText, requiredText, stringList } from '../../common/validate';
import type { Context } from '../../context';
import { badInput, notFound } from '../../errors';
import { decryptPersonal, sealPersonal } from '../../privacy/personal-data';
import { GeneratedContent } from '../models/model.entity';
import { MissionTemplate } from '../missions/mission.entity';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';
import { ContentItem, FeedbackAction, Product, Purchase, RecommendationFeedback, RecommendationKind } from './catalog.entity';
import { purchasePolicy } from './catalog.policy';
import type { CreateProductInput, PublishContentInput, ReviewInput } from './catalog.types';

export const normalizeTags = (tags: string[], field = 'tags') => stringList(tags, field, 20, 30).map((t) => t.toLowerCase());

export class CatalogService {
  /** Its enterprise users, or its partner key with CATALOG_WRITE, write an organization's catalog. */
  private writable(ctx: Context, organizationId: string): string {
    if (!isUuid(organizationId) || !actsForOrganization(ctx.viewer, organizationId, ApiScope.CATALOG_WRITE)) throw notFound('Organization');
    return organizationId;
  }

  products(ctx: Context, first: number, after: string | null | undefined, organizationId: string | null | undefined): Promise<Page<Product>> {
    if (organizationId && !isUuid(organizationId)) return Promise.resolve(emptyPage());
    const where: FilterQuery<Product> = organizationId ? { organization: organizationId } : {};
    return paginate(ctx.em, Product, where, first, after);
  }

  async createProduct(ctx: Context, input: CreateProductInput): Promise<Product> {
    const organizationId = this.writable(ctx, input.organizationId);
    if (!Number.isInteger(input.priceKrw) || input.priceKrw < 0) throw badInput('priceKrw must be 0 or more won', 'priceKrw');
    const product = ctx.em.create(Product, {
      organization: ctx.em.getReference(Organization, organizationId),
      name: requiredText(input.name, 'name', 200), description: optionalText(input.description, 'description', 5000),
      category: requiredText(input.category, 'category', 50).toLowerCase(), tags: normalizeTags(input.tags), priceKrw: input.priceKrw,
    });
    await ctx.em.flush();
    return product;
  }

  async recordPurchase(ctx: Context, productId: string, quantity: number): Promise<Purchase> {
    if (ctx.viewer.kind !== 'user') throw notFound('User');
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) throw badInput('quantity must be 1 to 100', 'quantity');
    const product = isUuid(productId) ? await ctx.em.findOne(Product, productId) : null;
    if (!product) throw notFound('Product');
    const purchase = ctx.em.create(Purchase, { user: ctx.em.getReference(User, ctx.viewer.userId), product, quantity, amountKrw: product.priceKrw * quantity });
    await ctx.em.flush();
    return purchase;
  }

  async review(ctx: Context, input: ReviewInput): Promise<Purchase> {
    const purchase = await readableOr404(ctx, purchasePolicy, isUuid(input.purchaseId) ? await ctx.em.findOne(Purchase, input.purchaseId) : null, 'Purchase');
    if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) throw badInput('rating must be 1 to 5', 'rating');
    const text = optionalText(input.text, 'text', 2000);
    const key = await ctx.keys.get(purchase.user.id);
    purchase.reviewRating = input.rating;
    purchase.reviewTextEnc = key ? sealPersonal(key, 'Purchase', 'reviewTextEnc', purchase.user.id, text) : null;
    purchase.reviewedAt = new Date();
    await ctx.em.flush();
    return purchase;
  }

  listPurchases(ctx: Context, userId: string): Promise<Purchase[]> {
    return ctx.em.find(Purchase, { user: userId }, { orderBy: { purchasedAt: 'desc', id: 'desc' } });
  }

  async reviewOf(ctx: Context, purchase: Purchase) {
    if (purchase.reviewRating === null) return null;
    return {
      userId: purchase.user.id, rating: purchase.reviewRating, createdAt: purchase.reviewedAt!,
      text: await decryptPersonal(ctx, 'Purchase', 'reviewTextEnc', purchase.user.id, purchase.reviewTextEnc),
    };
  }

  async publishContent(ctx: Context, input: PublishContentInput): Promise<ContentItem> {
    const organizationId = this.writable(ctx, input.organizationId);
    let generated: GeneratedContent | null = null;
    if (input.generatedContentId) {
      generated = isUuid(input.generatedContentId) ? await ctx.em.findOne(GeneratedContent, input.generatedContentId, { populate: ['model'] }) : null;
      if (!generated || generated.model.organization.id !== organizationId) throw notFound('Generated content');
    }
    const item = ctx.em.create(ContentItem, {
      organization: ctx.em.getReference(Organization, organizationId),
      title: requiredText(input.title, 'title', 200), body: requiredText(input.body, 'body', 20000), tags: normalizeTags(input.tags),
      // Generated content keeps its AI label, whoever publishes it.
      modelId: generated?.model.id ?? null, aiGenerated: generated !== null, disclosure: generated?.disclosure ?? null,
    });
    await ctx.em.flush();
    return item;
  }

  async recordFeedback(ctx: Context, kind: RecommendationKind, itemId: string, action: FeedbackAction): Promise<boolean> {
    if (ctx.viewer.kind !== 'user') throw notFound('User');
    const entity = { [RecommendationKind.PRODUCT]: Product, [RecommendationKind.CONTENT]: ContentItem, [RecommendationKind.MISSION]: MissionTemplate }[kind];
    if (!isUuid(itemId) || !(await ctx.em.count(entity as typeof Product, { id: itemId }))) throw notFound('Item');
    ctx.em.create(RecommendationFeedback, { userId: ctx.viewer.userId, kind, itemId, action });
    await ctx.em.flush();
    return true;
  }
}

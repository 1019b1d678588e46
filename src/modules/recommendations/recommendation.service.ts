import type { Context } from '../../context';
import { badInput, notFound } from '../../errors';
import { decryptPersonal } from '../../privacy/personal-data';
import type { ServiceDeps } from '../../services';
import { ContentItem, FeedbackAction, Product, Purchase, RecommendationFeedback, RecommendationKind } from '../catalog/catalog.entity';
import { ConsentPurpose } from '../consents/consent.entity';
import { Mission, MissionTemplate } from '../missions/mission.entity';
import type { MissionService } from '../missions/mission.service';
import { User } from '../users/user.entity';

const CANDIDATE_LIMIT = 1000;
const POPULAR = { [RecommendationKind.PRODUCT]: '많이 구매된 상품', [RecommendationKind.CONTENT]: '많이 본 콘텐츠', [RecommendationKind.MISSION]: '많이 참여한 미션' };

type Item = Product | ContentItem | MissionTemplate;
type Source = 'interest' | 'purchase' | 'click' | 'goal';
const REASON: Record<Source, (tag: string) => string> = {
  interest: (t) => `관심사 '${t}'와 일치`,
  purchase: (t) => `구매한 상품과 같은 '${t}'`,
  click: (t) => `관심을 보인 '${t}'`,
  goal: (t) => `건강 목표 '${t}'와 관련`,
};

const words = (text: string) => text.toLowerCase().split(/[\s,./!?()\-]+/).filter((w) => w.length >= 2);
const tagsOf = (item: Item): string[] =>
  item instanceof MissionTemplate ? [item.category.toLowerCase(), ...words(item.title)] : item instanceof Product ? [item.category, ...item.tags] : item.tags;

/**
 * With PERSONALIZATION consent and no suspension: items ranked by how their
 * tags match the member's signals (interests, purchased and clicked tags,
 * minus dismissed; health goals for missions only with HEALTH_DATA consent),
 * blended with popularity; bought and dismissed items are left out. Otherwise:
 * popularity alone, personalized false.
 */
export class RecommendationService {
  constructor(private readonly deps: ServiceDeps & { missions: MissionService }) {}

  async recommend(ctx: Context, kind: RecommendationKind, limit: number) {
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw badInput('limit must be 1 to 50', 'limit');
    if (ctx.viewer.kind !== 'user') throw notFound('User');
    const userId = ctx.viewer.userId;
    const user = await ctx.em.findOneOrFail(User, userId);
    const personalized = !user.processingSuspended && (await this.deps.consents.isGranted(ctx.em, userId, ConsentPurpose.PERSONALIZATION));

    const items: Item[] = kind === RecommendationKind.PRODUCT
      ? await ctx.em.find(Product, {}, { orderBy: { createdAt: 'desc' }, limit: CANDIDATE_LIMIT })
      : kind === RecommendationKind.CONTENT
        ? await ctx.em.find(ContentItem, {}, { orderBy: { createdAt: 'desc' }, limit: CANDIDATE_LIMIT })
        : await ctx.em.find(MissionTemplate, {}, { orderBy: { createdAt: 'desc' }, limit: CANDIDATE_LIMIT });
    const popularity = await this.popularity(ctx, kind);
    const maxPopularity = Math.max(1, ...popularity.values());
    const popular = (item: Item) => Math.log1p(popularity.get(item.id) ?? 0) / Math.log1p(maxPopularity);

    if (!personalized) {
      const ranked = items.map((item) => ({ item, score: round(popular(item)), reasons: [POPULAR[kind]] }))
        .sort((a, b) => b.score - a.score);
      return { personalized, items: ranked.slice(0, limit), generatedAt: new Date() };
    }

    const { signals, excluded } = await this.signals(ctx, user, kind);
    const norm = Math.sqrt([...signals.values()].reduce((sum, s) => sum + Math.max(0, s.weight) ** 2, 0)) || 1;
    const ranked = items.filter((item) => !excluded.has(item.id)).map((item) => {
      const tags = [...new Set(tagsOf(item))];
      let match = 0;
      const reasons: string[] = [];
      for (const tag of tags) {
        const signal = signals.get(tag);
        if (!signal) continue;
        match += signal.weight;
        if (signal.weight > 0) reasons.push(REASON[signal.source](tag));
      }
      const similarity = Math.max(0, match) / (norm * Math.sqrt(tags.length || 1));
      const score = 0.7 * Math.min(1, similarity) + 0.3 * popular(item);
      return { item, score: round(score), reasons: reasons.length ? reasons.slice(0, 3) : [POPULAR[kind]] };
    }).sort((a, b) => b.score - a.score);
    return { personalized, items: ranked.slice(0, limit), generatedAt: new Date() };
  }

  private async popularity(ctx: Context, kind: RecommendationKind): Promise<Map<string, number>> {
    const sql = kind === RecommendationKind.PRODUCT
      ? 'select product_id as id, count(*)::int as n from purchases group by product_id'
      : kind === RecommendationKind.CONTENT
        ? "select item_id as id, count(*)::int as n from recommendation_feedback where kind = 'CONTENT' and action = 'CLICKED' group by item_id"
        : 'select template_id as id, count(*)::int as n from missions group by template_id';
    const rows = await ctx.em.execute<{ id: string; n: number }[]>(sql);
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  private async signals(ctx: Context, user: User, kind: RecommendationKind) {
    const signals = new Map<string, { weight: number; source: Source }>();
    const add = (tag: string, weight: number, source: Source) => {
      const current = signals.get(tag);
      signals.set(tag, { weight: (current?.weight ?? 0) + weight, source: current && current.weight >= weight ? current.source : source });
    };
    const interests = await decryptPersonal(ctx, 'User', 'interestsEnc', user.id, user.interestsEnc);
    for (const interest of interests ? (JSON.parse(interests) as string[]) : []) add(interest.toLowerCase(), 1, 'interest');

    const purchases = await ctx.em.find(Purchase, { user }, { populate: ['product'] });
    for (const purchase of purchases) for (const tag of tagsOf(purchase.product as Product)) add(tag, 1, 'purchase');

    const feedback = await ctx.em.find(RecommendationFeedback, { userId: user.id });
    const excluded = new Set<string>(kind === RecommendationKind.PRODUCT ? purchases.map((p) => p.product.id) : []);
    const byKind = { [RecommendationKind.PRODUCT]: Product, [RecommendationKind.CONTENT]: ContentItem, [RecommendationKind.MISSION]: MissionTemplate };
    for (const k of Object.values(RecommendationKind)) {
      const ids = feedback.filter((f) => f.kind === k).map((f) => f.itemId);
      if (!ids.length) continue;
      const found = (await ctx.em.find(byKind[k] as typeof Product, { id: { $in: ids } })) as Item[];
      const byId = new Map(found.map((i) => [i.id, i]));
      for (const f of feedback.filter((x) => x.kind === k)) {
        const item = byId.get(f.itemId);
        if (!item) continue;
        for (const tag of tagsOf(item)) add(tag, f.action === FeedbackAction.CLICKED ? 0.5 : -1, 'click');
        if (f.action === FeedbackAction.DISMISSED && k === kind) excluded.add(item.id);
      }
    }

    // Health goals are sensitive: they shape mission picks only with HEALTH_DATA consent.
    if (kind === RecommendationKind.MISSION && (await this.deps.consents.isGranted(ctx.em, user.id, ConsentPurpose.HEALTH_DATA))) {
      const profile = await this.deps.missions.healthProfile(ctx, user.id);
      for (const goal of profile?.goals ?? []) for (const word of words(goal)) add(word, 1, 'goal');
      const started = await ctx.em.find(Mission, { user, status: { $in: ['ACTIVE', 'PAUSED'] as never } });
      for (const m of started) excluded.add(m.template.id);
    }
    return { signals, excluded };
  }
}

const round = (n: number) => Math.round(n * 10000) / 10000;

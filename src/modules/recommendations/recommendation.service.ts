import type { Context } from '../../context';
import { badInput, notFound } from '../../errors';
import { decryptPersonal } from '../../privacy/personal-data';
import type { ServiceDeps } from '../../services';
import { ContentItem, FeedbackAction, Product, RecommendationKind } from '../catalog/catalog.entity';
import { ConsentPurpose } from '../consents/consent.entity';
import { grantedCondition } from '../consents/consent.service';
import { Mission, MissionTemplate } from '../missions/mission.entity';
import type { MissionService } from '../missions/mission.service';
import { User } from '../users/user.entity';

/** Items sharing a signal that are scored per request, the most popular first. */
const MATCH_CANDIDATES = 200;
/** Extra popular rows read past the limit, so rounding ties at the cut still sort newest first. */
const RANK_MARGIN = 20;
/** Popular rows read ahead for what the member excludes (bought, dismissed); more exclusions read again. */
const MAX_EXCLUDED_READ = 30;
const POPULAR = { [RecommendationKind.PRODUCT]: '많이 구매된 상품', [RecommendationKind.CONTENT]: '많이 본 콘텐츠', [RecommendationKind.MISSION]: '많이 참여한 미션' };

type Item = Product | ContentItem | MissionTemplate;
type SignalSource = 'interest' | 'purchase' | 'click' | 'goal';
const REASON: Record<SignalSource, (tag: string) => string> = {
  interest: (t) => `관심사 '${t}'와 일치`,
  purchase: (t) => `구매한 상품과 같은 '${t}'`,
  click: (t) => `관심을 보인 '${t}'`,
  goal: (t) => `건강 목표 '${t}'와 관련`,
};

const words = (text: string) => text.toLowerCase().split(/[\s,./!?()\-]+/).filter((w) => w.length >= 2);

/** What ranking reads of a candidate: its tags' columns, its popularity counter and its age. */
interface CandidateRow { id: string; n: number; createdAt: Date; category?: string; tags?: string[]; title?: string }
const tagsOfRow = (kind: RecommendationKind, row: CandidateRow): string[] =>
  kind === RecommendationKind.MISSION ? [row.category!.toLowerCase(), ...words(row.title!)] : kind === RecommendationKind.PRODUCT ? [row.category!, ...row.tags!] : row.tags!;

/**
 * Where each kind's items and popularity live: the counter columns are kept by triggers
 * (migrations/Migration20261202090000.ts) on purchases, CLICKED content feedback and missions.
 */
interface Source { kind: RecommendationKind; entity: typeof Product | typeof ContentItem | typeof MissionTemplate; table: string; count: string; columns: string }
const SOURCES: Record<RecommendationKind, Source> = {
  [RecommendationKind.PRODUCT]: { kind: RecommendationKind.PRODUCT, entity: Product, table: 'products', count: 'purchase_count', columns: 'id, category, tags' },
  [RecommendationKind.CONTENT]: { kind: RecommendationKind.CONTENT, entity: ContentItem, table: 'content_items', count: 'click_count', columns: 'id, tags' },
  [RecommendationKind.MISSION]: { kind: RecommendationKind.MISSION, entity: MissionTemplate, table: 'mission_templates', count: 'mission_count', columns: 'id, category, title' },
};

/** log1p(n) / log1p(the most popular item's n), 0 to 1. */
const popularityOf = (max: number) => (n: number) => Math.log1p(n) / Math.log1p(Math.max(1, max));

/** Best first; among equal (rounded) scores the newer item, as the catalogue lists them. */
const byScoreThenNewest = (a: { score: number; row: CandidateRow }, b: { score: number; row: CandidateRow }) =>
  b.score - a.score || new Date(b.row.createdAt).getTime() - new Date(a.row.createdAt).getTime();

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
    const source = SOURCES[kind];
    // One round trip decides the path, and reads the popular head both paths use (enough rows to fill the list
    // past what a member excludes). The member's own history is read only once personalisation is allowed.
    const [member, popularHead, history] = await Promise.all([
      this.member(ctx, userId),
      this.mostPopular(ctx, source, limit + MAX_EXCLUDED_READ + RANK_MARGIN),
      this.history(ctx, userId),
    ]);
    const personalized = !member.processingSuspended && member.granted;

    if (!personalized) {
      const rows = popularHead.slice(0, limit + RANK_MARGIN);
      const popular = popularityOf(rows[0]?.n ?? 0);
      const ranked = rows.map((row) => ({ row, score: round(popular(row.n)), reasons: [POPULAR[kind]] })).sort(byScoreThenNewest);
      return { personalized, items: await this.items(ctx, source, ranked.slice(0, limit)), generatedAt: new Date() };
    }

    // Candidates through indexes: the most popular items (what fills the list when few match) and the
    // items sharing a positive signal, most popular first; never the whole catalogue.
    const { signals, excluded } = await this.signals(ctx, { id: userId, interestsEnc: member.interestsEnc }, kind, history);
    const positive = [...signals].filter(([, s]) => s.weight > 0).map(([tag]) => tag);
    const [popularRows, matchingRows] = await Promise.all([
      excluded.size > MAX_EXCLUDED_READ ? this.mostPopular(ctx, source, limit + excluded.size + RANK_MARGIN) : popularHead,
      this.matching(ctx, source, positive, MATCH_CANDIDATES + excluded.size),
    ]);
    const candidates = new Map<string, CandidateRow>();
    for (const row of [...popularRows, ...matchingRows]) if (!excluded.has(row.id)) candidates.set(row.id, row);
    // The most popular item of all is the first row of the popularity index, excluded or not.
    const popular = popularityOf(popularRows[0]?.n ?? 0);

    const norm = Math.sqrt([...signals.values()].reduce((sum, s) => sum + Math.max(0, s.weight) ** 2, 0)) || 1;
    const ranked = [...candidates.values()].map((row) => {
      const tags = [...new Set(tagsOfRow(kind, row))];
      let match = 0;
      const reasons: string[] = [];
      for (const tag of tags) {
        const signal = signals.get(tag);
        if (!signal) continue;
        match += signal.weight;
        if (signal.weight > 0) reasons.push(REASON[signal.source](tag));
      }
      const similarity = Math.max(0, match) / (norm * Math.sqrt(tags.length || 1));
      const score = 0.7 * Math.min(1, similarity) + 0.3 * popular(row.n);
      return { row, score: round(score), reasons: reasons.length ? reasons.slice(0, 3) : [POPULAR[kind]] };
    }).sort(byScoreThenNewest);
    return { personalized, items: await this.items(ctx, source, ranked.slice(0, limit)), generatedAt: new Date() };
  }

  /**
   * What decides the path, in one statement: the member's suspension and PERSONALIZATION consent, and its
   * interests with the wrapped key they open with (a key, not personal data; it is unwrapped into the request's
   * key ring, and one that cannot be opened fails only the personalised path, where the interests are read).
   */
  private async member(ctx: Context, userId: string): Promise<{ processingSuspended: boolean; granted: boolean; interestsEnc: Buffer | null }> {
    const [row] = await ctx.em.execute<{ processingSuspended: boolean; granted: boolean; interestsEnc: Buffer | null; wrappedKey: Buffer | null; keyVersion: number }[]>(
      `select u.processing_suspended as "processingSuspended", ${grantedCondition('u.id', ConsentPurpose.PERSONALIZATION)} as granted,
         u.interests_enc as "interestsEnc", k.wrapped_key as "wrappedKey", k.key_version as "keyVersion"
       from users u left join subject_keys k on k.subject_id = u.id where u.id = ?`,
      [userId],
    );
    if (!row) throw notFound('User');
    ctx.keys.primeWrapped({ subjectId: userId, wrappedKey: row.wrappedKey, keyVersion: row.keyVersion });
    return row;
  }

  /** The most popular items, newest first among equals: the head of the popularity index. */
  private mostPopular(ctx: Context, source: Source, count: number): Promise<CandidateRow[]> {
    return ctx.em.execute<CandidateRow[]>(
      `select ${source.columns}, ${source.count} as n, created_at as "createdAt" from ${source.table} order by ${source.count} desc, created_at desc limit ?`, [count],
    );
  }

  /**
   * Items with one of the tags (products: or of the category), most popular first, at most `count`:
   * through the GIN index on tags, or the popularity index filtered when the tags are common.
   * Mission templates have no tag column (their tags are the category and the title's words): the
   * newest are scored, as before.
   */
  private matching(ctx: Context, source: Source, tags: string[], count: number): Promise<CandidateRow[]> {
    const select = `select ${source.columns}, ${source.count} as n, created_at as "createdAt" from ${source.table}`;
    if (source.kind === RecommendationKind.MISSION) return ctx.em.execute<CandidateRow[]>(`${select} order by created_at desc limit ?`, [count]);
    if (!tags.length) return Promise.resolve([]);
    const order = `order by ${source.count} desc, created_at desc limit ?`;
    return source.kind === RecommendationKind.PRODUCT
      ? ctx.em.execute<CandidateRow[]>(`${select} where tags && array[?]::text[] or category = any(array[?]::text[]) ${order}`, [tags, tags, count])
      : ctx.em.execute<CandidateRow[]>(`${select} where tags && array[?]::text[] ${order}`, [tags, count]);
  }

  /** The chosen rows as entities (the schema's item types), in rank order. */
  private async items(ctx: Context, source: Source, ranked: { row: CandidateRow; score: number; reasons: string[] }[]) {
    if (!ranked.length) return [];
    // A plain statement mapped to entities: the query builder costs more than the 20 rows.
    const rows = await ctx.em.execute<Record<string, unknown>[]>(`select * from ${source.table} where id in (?)`, [ranked.map((r) => r.row.id)]);
    const found = rows.map((row) => ctx.em.map(source.entity as typeof Product, row)) as Item[];
    const byId = new Map(found.map((item) => [item.id, item]));
    return ranked.filter((r) => byId.has(r.row.id)).map(({ row, score, reasons }) => ({ item: byId.get(row.id)!, score, reasons }));
  }

  /**
   * The member's purchases and feedback with their items' tags, in the order they happened: empty unless the
   * member grants PERSONALIZATION and has not suspended processing, which the statement itself checks, so
   * nothing of the history is read without them (and no round trip waits for the consent first).
   */
  private async history(ctx: Context, userId: string) {
    // One statement (a round trip is the dearest part of a request here): purchases, then feedback, read only
    // when the member is allowed (evaluated once, before any row).
    const rows = await ctx.em.execute<(CandidateRow & { kind: RecommendationKind | null; action: FeedbackAction | null; found: boolean })[]>(
      `with member as (select u.id from users u where u.id = ? and not u.processing_suspended and ${grantedCondition('u.id', ConsentPurpose.PERSONALIZATION)})
       select * from (
         select null::text as kind, p.id, null::text as action, true as found, p.category, p.tags, null::text as title, 0 as part, pu.purchased_at as at, pu.id as seq
           from member join purchases pu on pu.user_id = member.id join products p on p.id = pu.product_id
         union all
         select f.kind, f.item_id, f.action, coalesce(p.id, c.id, m.id) is not null, coalesce(p.category, m.category), coalesce(p.tags, c.tags), m.title, 1, f.created_at, f.id
           from member join recommendation_feedback f on f.user_id = member.id
           left join products p on f.kind = 'PRODUCT' and p.id = f.item_id
           left join content_items c on f.kind = 'CONTENT' and c.id = f.item_id
           left join mission_templates m on f.kind = 'MISSION' and m.id = f.item_id
       ) h order by part, at, seq`,
      [userId],
    );
    return { purchased: rows.filter((r) => r.kind === null), feedback: rows.filter((r) => r.kind !== null) };
  }

  private async signals(ctx: Context, user: Pick<User, 'id' | 'interestsEnc'>, kind: RecommendationKind, { purchased, feedback }: Awaited<ReturnType<RecommendationService['history']>>) {
    const signals = new Map<string, { weight: number; source: SignalSource }>();
    const add = (tag: string, weight: number, source: SignalSource) => {
      const current = signals.get(tag);
      signals.set(tag, { weight: (current?.weight ?? 0) + weight, source: current && current.weight >= weight ? current.source : source });
    };
    // Added in this order (the order decides a tag's reason): interests, purchases as they were made, then
    // feedback kind by kind as it came.
    const interests = await decryptPersonal(ctx, 'User', 'interestsEnc', user.id, user.interestsEnc);
    for (const interest of interests ? (JSON.parse(interests) as string[]) : []) add(interest.toLowerCase(), 1, 'interest');
    for (const product of purchased) for (const tag of tagsOfRow(RecommendationKind.PRODUCT, product as CandidateRow)) add(tag, 1, 'purchase');
    const excluded = new Set<string>(kind === RecommendationKind.PRODUCT ? purchased.map((p) => p.id) : []);
    for (const k of Object.values(RecommendationKind)) {
      for (const f of feedback) {
        if (f.kind !== k || !f.found) continue;
        for (const tag of tagsOfRow(k, f)) add(tag, f.action === FeedbackAction.CLICKED ? 0.5 : -1, 'click');
        if (f.action === FeedbackAction.DISMISSED && k === kind) excluded.add(f.id);
      }
    }

    // Health goals are sensitive: they shape mission picks only with HEALTH_DATA consent.
    if (kind === RecommendationKind.MISSION && (await this.deps.consents.isGranted(ctx.em, user.id, ConsentPurpose.HEALTH_DATA))) {
      const profile = await this.deps.missions.healthProfile(ctx, user.id);
      for (const goal of profile?.goals ?? []) for (const word of words(goal)) add(word, 1, 'goal');
      const started = await ctx.em.find(Mission, { user: user.id, status: { $in: ['ACTIVE', 'PAUSED'] as never } });
      for (const m of started) excluded.add(m.template.id);
    }
    return { signals, excluded };
  }
}

const round = (n: number) => Math.round(n * 10000) / 10000;

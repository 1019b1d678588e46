import type { EntityManager } from '@mikro-orm/postgresql';
import { requiredText } from '../../common/validate';
import type { Context } from '../../context';
import { badInput, conflict } from '../../errors';
import type { ServiceDeps } from '../../services';
import { RETENTION_POLICIES } from './policy-seed';
import { PrivacyPolicy, Processor, RetentionPolicy } from './policy.entity';
import { PolicyStatus, type PublishPrivacyPolicyInput } from './policy.types';

export const MIN_NOTICE_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;

export type PolicyView = PrivacyPolicy & { status: PolicyStatus };

export class PolicyService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Every version, newest first, with its status at `now`. */
  async all(em: EntityManager, now = new Date()): Promise<PolicyView[]> {
    const policies = await em.find(PrivacyPolicy, {}, { orderBy: { effectiveAt: 'desc' } });
    const current = policies.find((p) => p.effectiveAt <= now);
    return policies.map((p) => Object.assign(p, {
      status: p.effectiveAt > now ? PolicyStatus.SCHEDULED : p === current ? PolicyStatus.EFFECTIVE : PolicyStatus.SUPERSEDED,
    }));
  }

  /** The version in effect (statuses move by time, not by a job). */
  async current(em: EntityManager, now = new Date()): Promise<PolicyView> {
    const policy = await em.findOne(PrivacyPolicy, { effectiveAt: { $lte: now } }, { orderBy: { effectiveAt: 'desc' } });
    if (!policy) throw new Error('No privacy policy is in effect; the seed did not run');
    return Object.assign(policy, { status: PolicyStatus.EFFECTIVE });
  }

  async find(em: EntityManager, version: string | null | undefined): Promise<PolicyView | null> {
    if (version === null || version === undefined) return this.current(em);
    return (await this.all(em)).find((p) => p.version === version) ?? null;
  }

  async publish(ctx: Context, input: PublishPrivacyPolicyInput): Promise<PolicyView> {
    const version = requiredText(input.version, 'version', 50);
    const body = requiredText(input.body, 'body', 200_000);
    const summary = requiredText(input.summaryOfChanges, 'summaryOfChanges', 5000);
    const now = new Date();
    if (input.effectiveAt.getTime() < now.getTime() + MIN_NOTICE_DAYS * DAY_MS) {
      throw badInput(`effectiveAt must be at least ${MIN_NOTICE_DAYS} days after publication`, 'effectiveAt');
    }
    if (await ctx.em.findOne(PrivacyPolicy, { version })) throw conflict(`Policy version ${version} already exists`);
    const policy = ctx.em.create(PrivacyPolicy, {
      version, body, summaryOfChanges: summary, publishedAt: now, effectiveAt: input.effectiveAt,
      publishedById: ctx.viewer.kind === 'user' ? ctx.viewer.userId : null,
    });
    try {
      await ctx.em.flush();
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw conflict(`Policy version ${version} already exists`);
      throw error;
    }
    return Object.assign(policy, { status: PolicyStatus.SCHEDULED });
  }

  processors(em: EntityManager): Promise<Processor[]> {
    return em.find(Processor, {}, { orderBy: { sortOrder: 'asc' } });
  }

  /** In the order of the policy's table (SPEC 9). */
  async retentionPolicies(em: EntityManager): Promise<RetentionPolicy[]> {
    const order = RETENTION_POLICIES.map((r) => r.category as string);
    return (await em.find(RetentionPolicy, {})).sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category));
  }

  privacyContacts() {
    return this.deps.config.privacyContacts;
  }
}

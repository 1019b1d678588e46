import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { badInput, notFound } from '../../errors';
import type { ServiceDeps } from '../../services';
import { UsageEventType } from '../usage/usage.entity';
import { type CurrentConsentState, User, UserStatus, type UserRow } from '../users/user.entity';
import { ConsentChannel, ConsentEvent, ConsentPurpose, ConsentPurposeDefinition } from './consent.entity';
import type { Consent, ConsentInput } from './consent.types';

export const REQUIRED_PURPOSES: readonly ConsentPurpose[] = [ConsentPurpose.TERMS_OF_SERVICE, ConsentPurpose.PERSONAL_INFO_COLLECTION];
const ALL_PURPOSES = Object.values(ConsentPurpose);

/** Latest event per purpose; events arrive ordered by time. */
export function deriveConsents(events: Pick<ConsentEvent, 'purpose' | 'granted' | 'policyVersion' | 'at'>[]): Consent[] {
  const latest = new Map<ConsentPurpose, Pick<ConsentEvent, 'purpose' | 'granted' | 'policyVersion' | 'at'>>();
  for (const event of events) latest.set(event.purpose, event);
  return ALL_PURPOSES.filter((p) => latest.has(p)).map((purpose) => {
    const e = latest.get(purpose)!;
    return { purpose, granted: e.granted, policyVersion: e.policyVersion, updatedAt: e.at };
  });
}

/** The consents of users.current_consents (kept by the database: Migration20261208100000): one latest event per purpose. */
const fromState = (state: CurrentConsentState | null): Consent[] =>
  deriveConsents((state ?? []).map(([purpose, granted, policyVersion, at]) => ({ purpose, granted, policyVersion, at: new Date(at) })));

export class ConsentService {
  constructor(private readonly deps: ServiceDeps) {}

  purposes(em: EntityManager): Promise<ConsentPurposeDefinition[]> {
    return em.find(ConsentPurposeDefinition, {}, { orderBy: { sortOrder: 'asc' } });
  }

  /** The consents in force as the database keeps them on the user's row: from the row when it was read with it (a page of users), else loaded. */
  currentFor(ctx: Context, user: UserRow): Consent[] | Promise<Consent[]> {
    if (user.currentConsents !== undefined) return fromState(user.currentConsents);
    return ctx.loaders.currentConsentsByUserId.load(user.id).then(fromState);
  }

  /** Rejects duplicates; every purpose must appear at most once. */
  validate(consents: ConsentInput[]): void {
    const seen = new Set<ConsentPurpose>();
    for (const c of consents) {
      if (seen.has(c.purpose)) throw badInput(`${c.purpose} is given more than once`, 'consents');
      seen.add(c.purpose);
    }
  }

  /**
   * Records the sign-up decisions: every purpose gets a first event (refused
   * when not given), so each has a derivable state from the start.
   */
  recordInitial(em: EntityManager, user: User, consents: ConsentInput[], policyVersion: string, channel: ConsentChannel): void {
    this.validate(consents);
    const given = new Map(consents.map((c) => [c.purpose, c.granted]));
    for (const purpose of REQUIRED_PURPOSES) {
      if (given.get(purpose) !== true) throw badInput(`${purpose} must be granted to sign up`, 'consents');
    }
    const at = new Date();
    for (const purpose of ALL_PURPOSES) {
      em.create(ConsentEvent, { user, purpose, granted: given.get(purpose) ?? false, policyVersion, channel, at });
    }
  }

  async update(ctx: Context, consents: ConsentInput[], channel: ConsentChannel): Promise<Consent[]> {
    if (ctx.viewer.kind !== 'user') throw notFound('User');
    const userId = ctx.viewer.userId;
    const user = await ctx.em.findOne(User, userId);
    if (!user || user.status !== UserStatus.ACTIVE) throw notFound('User');
    this.validate(consents);
    for (const c of consents) {
      if (REQUIRED_PURPOSES.includes(c.purpose) && !c.granted) {
        throw badInput(`${c.purpose} is required and cannot be withdrawn; withdraw from the service instead`, 'consents');
      }
    }
    const policy = await this.deps.policies.current(ctx.em);
    await inTransaction(ctx.em, async () => {
      // Lock the user row so two concurrent updates cannot both decide from the same state.
      await ctx.em.execute('select id from users where id = ? for update', [userId]);
      const events = await ctx.em.find(ConsentEvent, { user: userId }, { orderBy: { at: 'asc', id: 'asc' } });
      const current = new Map(deriveConsents(events).map((c) => [c.purpose, c]));
      const at = new Date();
      let changed = false;
      for (const c of consents) {
        const now = current.get(c.purpose);
        // A change, or a renewal of a grant under a newer policy version.
        if (!now || now.granted !== c.granted || (c.granted && now.policyVersion !== policy.version)) {
          ctx.em.create(ConsentEvent, { user, purpose: c.purpose, granted: c.granted, policyVersion: policy.version, channel, at });
          changed = true;
        }
      }
      if (changed) this.deps.usage.record(ctx.em, userId, UsageEventType.CONSENT_CHANGE, ctx.ip);
      const health = consents.find((c) => c.purpose === ConsentPurpose.HEALTH_DATA);
      if (health && current.get(ConsentPurpose.HEALTH_DATA)?.granted !== health.granted) {
        await this.deps.onHealthConsentChange?.(ctx.em, userId, health.granted);
      }
    });
    ctx.loaders.consentEventsByUserId.clear(userId);
    ctx.loaders.currentConsentsByUserId.clear(userId);
    return deriveConsents(await ctx.loaders.consentEventsByUserId.load(userId));
  }

  /** Whether the user currently grants a purpose: enforcement reads this where data is used. */
  async isGranted(em: EntityManager, userId: string, purpose: ConsentPurpose): Promise<boolean> {
    const latest = await em.findOne(ConsentEvent, { user: userId, purpose }, { orderBy: { at: 'desc', id: 'desc' } });
    return latest?.granted ?? false;
  }
}

/**
 * SQL that is true when the user in `userColumn` (an expression of the statement) currently grants `purpose`:
 * the same rule as isGranted (the latest event decides), for a statement that must read nothing without it.
 */
export function grantedCondition(userColumn: string, purpose: ConsentPurpose): string {
  if (!/^[A-Z_]+$/.test(purpose) || !/^[a-z_.]+$/.test(userColumn)) throw new Error('grantedCondition takes a purpose and a column name');
  return `coalesce((select c.granted from consent_events c where c.user_id = ${userColumn} and c.purpose = '${purpose}' order by c.at desc, c.id desc limit 1), false)`;
}

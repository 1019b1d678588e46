import type { EntityManager } from '@mikro-orm/postgresql';
import { ConsentPurpose, ConsentPurposeDefinition } from '../modules/consents/consent.entity';
import { DataCategory, PrivacyPolicy, Processor, RetentionAction, RetentionPolicy, RetentionTrigger } from '../modules/policies/policy.entity';
import {
  CONSENT_PURPOSES, INITIAL_POLICY_BODY, INITIAL_POLICY_EFFECTIVE_AT, INITIAL_POLICY_SUMMARY, INITIAL_POLICY_VERSION,
  PROCESSORS, RETENTION_POLICIES,
} from '../modules/policies/policy-seed';

/**
 * Reference data, upserted at every start so the texts in policy-seed.ts are
 * what the API serves. The first policy is inserted only into an empty table:
 * published policies are never rewritten.
 */
export async function seedReferenceData(em: EntityManager): Promise<void> {
  await em.upsertMany(ConsentPurposeDefinition, CONSENT_PURPOSES.map((p) => ({ ...p, purpose: p.purpose as ConsentPurpose, items: [...p.items] })));
  await em.upsertMany(RetentionPolicy, RETENTION_POLICIES.map((r) => ({
    category: r.category as DataCategory, period: r.period, trigger: r.trigger as RetentionTrigger,
    action: r.action as RetentionAction, legalBasis: r.legalBasis,
  })));
  await em.upsertMany(Processor, PROCESSORS.map((p) => ({ ...p })));
  await em.execute(
    `insert into privacy_policies (version, body, summary_of_changes, published_at, effective_at)
     select ?, ?, ?, ?, ? where not exists (select 1 from privacy_policies)`,
    [INITIAL_POLICY_VERSION, INITIAL_POLICY_BODY, INITIAL_POLICY_SUMMARY, new Date(INITIAL_POLICY_EFFECTIVE_AT), new Date(INITIAL_POLICY_EFFECTIVE_AT)],
  );
}

import { deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { forbidden } from '../errors';
import { apiKeyRules } from '../modules/api-keys/api-key.rules';
import { consentRules } from '../modules/consents/consent.rules';
import { conversationRules } from '../modules/conversations/conversation.rules';
import { catalogRules } from '../modules/catalog/catalog.rules';
import { dataSubjectRequestRules } from '../modules/data-subject-requests/dsr.rules';
import { datasetRules } from '../modules/datasets/dataset.rules';
import { invitationRules } from '../modules/invitations/invitation.rules';
import { subscriptionRules } from '../realtime/subscription.rules';
import { recommendationRules } from '../modules/recommendations/recommendation.rules';
import { retentionRules } from '../modules/retention/retention.rules';
import { statisticsRules } from '../modules/statistics/statistics.rules';
import { missionRules } from '../modules/missions/mission.rules';
import { modelRules } from '../modules/models/model.rules';
import { organizationRules } from '../modules/organizations/organization.rules';
import { policyRules } from '../modules/policies/policy.rules';
import { userRules } from '../modules/users/user.rules';
import { privacyRules } from '../privacy/privacy.rules';
import { authRules } from './auth.rules';
import { carrier } from './policy';

type RuleTree = Record<string, Record<string, unknown> | unknown>;

/** Merges the modules' rule trees; a type or field named twice is a mistake, so it throws. */
export function mergeRules(...trees: RuleTree[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const tree of trees) {
    for (const [type, rules] of Object.entries(tree)) {
      if (!(type in merged)) {
        merged[type] = typeof rules === 'object' && rules !== null && !('resolve' in rules) ? { ...rules } : rules;
        continue;
      }
      const target = merged[type] as Record<string, unknown>;
      for (const [field, rule] of Object.entries(rules as Record<string, unknown>)) {
        if (field in target) throw new Error(`Rule for ${type}.${field} is declared twice`);
        target[field] = rule;
      }
    }
  }
  return merged;
}

export const RULE_TREE = mergeRules(
  { PageInfo: carrier },
  authRules, userRules, organizationRules, apiKeyRules, consentRules, policyRules, privacyRules, datasetRules, modelRules, conversationRules, missionRules, catalogRules, recommendationRules, statisticsRules, retentionRules, invitationRules, subscriptionRules, dataSubjectRequestRules,
);

export function createPermissions() {
  return shield(RULE_TREE as IRules, {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: () => forbidden(),
    debug: false,
  });
}

import { defaultFieldResolver, isIntrospectionType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import type { Context } from '../context';
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
import { carrier, decisionNow, isOpenRule } from './policy';

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

/** The rule the shield applies to a field: the type's rule, or its field's, or its '*' (undefined: the fallback, deny). */
export function ruleOf(typeName: string, fieldName: string): unknown {
  const entry = RULE_TREE[typeName];
  if (!entry) return undefined;
  if (typeof (entry as { resolve?: unknown }).resolve === 'function') return entry;
  const map = entry as Record<string, unknown>;
  return map[fieldName] ?? map['*'];
}

/**
 * The shield's middleware awaits every rule, so each field costs promises even when its answer is already
 * known (a carrier, a part of a resource, a policy whose projection of the row is computed). For the fields
 * of object types whose rule can decide at once (src/auth/policy.ts decisionNow), the served resolver asks
 * that decision first: true runs the field's own resolver, false answers FORBIDDEN as the shield's fallback
 * error would, and undefined (the policy still waits for a promise) goes through the shield. Root fields and
 * fields of any other rule, deny included, always go through the shield.
 */
export function withDecisionsNow(served: GraphQLSchema, bare: GraphQLSchema): GraphQLSchema {
  const roots = new Set([served.getQueryType(), served.getMutationType(), served.getSubscriptionType()].map((t) => t?.name));
  for (const type of Object.values(served.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type) || roots.has(type.name)) continue;
    const bareType = bare.getType(type.name);
    if (!isObjectType(bareType)) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = ruleOf(type.name, field.name);
      const now = decisionNow(rule);
      if (!now) continue;
      const bareResolve = bareType.getFields()[field.name]?.resolve;
      // A field of an open type that reads its parent's property needs no resolver at all: the executor then
      // reads the property inline (graphql-jit compiles it), where a call each was a page's 700 consents' cost.
      if (isOpenRule(rule) && !bareResolve) {
        field.resolve = undefined;
        continue;
      }
      const own: GraphQLFieldResolver<unknown, Context> = bareResolve ?? defaultFieldResolver;
      const shielded = field.resolve!;
      field.resolve = (parent, args, ctx: Context, info) => {
        const verdict = now(parent, ctx);
        if (verdict === true) return own(parent, args, ctx, info);
        if (verdict === false) return forbidden();
        return shielded(parent, args, ctx, info);
      };
    }
  }
  return served;
}

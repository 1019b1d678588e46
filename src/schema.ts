import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import { GraphQLScalarType, lexicographicSortSchema, printSchema, type GraphQLSchema, type GraphQLUnionType } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { buildSchemaSync } from 'type-graphql';
import { AuthResolver } from './auth/auth.resolver';
import { createPermissions, withDecisionsNow } from './auth/permissions';
import { recommendedItemTypeName } from './modules/recommendations/recommendation.types';
import { ApiKeyResolver } from './modules/api-keys/api-key.resolver';
import { ConsentResolver } from './modules/consents/consent.resolver';
import { ChatMessageResolver, ConversationResolver } from './modules/conversations/conversation.resolver';
import { ContentItemResolver, ProductResolver, PurchaseResolver } from './modules/catalog/catalog.resolver';
import { DataSubjectRequestResolver, UserDataSubjectRequestsResolver } from './modules/data-subject-requests/dsr.resolver';
import { DatasetResolver } from './modules/datasets/dataset.resolver';
import { RecommendationResolver } from './modules/recommendations/recommendation.resolver';
import { InvitationResolver, OrganizationInvitationsResolver } from './modules/invitations/invitation.resolver';
import { RetentionResolver } from './modules/retention/retention.resolver';
import { StatisticsResolver } from './modules/statistics/statistics.resolver';
import { MissionResolver, MissionTemplateResolver } from './modules/missions/mission.resolver';
import { GeneratedContentResolver, ModelResolver, TrainingJobResolver } from './modules/models/model.resolver';
import { OrganizationResolver } from './modules/organizations/organization.resolver';
import { PolicyResolver } from './modules/policies/policy.resolver';
import { UserResolver } from './modules/users/user.resolver';
import { PrivacyResolver } from './privacy/privacy.resolver';
import { SubscriptionResolver } from './realtime/subscription.resolver';

// The contract names the date-time scalar DateTime (type-graphql would say DateTimeISO).
export const DateTime = new GraphQLScalarType({ ...DateTimeResolver.toConfig(), name: 'DateTime' });

export const RESOLVERS = [
  AuthResolver, UserResolver, OrganizationResolver, ApiKeyResolver, ConsentResolver, PolicyResolver, PrivacyResolver, DatasetResolver,
  ModelResolver, TrainingJobResolver, GeneratedContentResolver, ConversationResolver, ChatMessageResolver,
  MissionResolver, MissionTemplateResolver, ProductResolver, PurchaseResolver, ContentItemResolver, RecommendationResolver,
  StatisticsResolver, RetentionResolver, InvitationResolver, OrganizationInvitationsResolver, SubscriptionResolver, DataSubjectRequestResolver, UserDataSubjectRequestsResolver,
] as const;

let cached: GraphQLSchema | null = null;

/** The schema without permissions: what is emitted to schema/schema.graphql. */
export function buildBareSchema(): GraphQLSchema {
  if (cached) return cached;
  cached = buildSchemaSync({
    resolvers: RESOLVERS as unknown as [Function, ...Function[]],
    scalarsMap: [{ type: Date, scalar: DateTime }],
    validate: false,
    // Every subscription brings its own subscribe (src/realtime/follow.ts, over Redis); type-graphql still wants a pubSub.
    pubSub: { publish: () => undefined, subscribe: () => { throw new Error('subscriptions subscribe through src/realtime'); } },
    emitSchemaFile: false,
  });
  // type-graphql wraps a union's resolveType in an async function; graphql-jit (src/http/jit-executor.ts) takes a synchronous one only.
  (cached.getType('RecommendedItem') as GraphQLUnionType).resolveType = recommendedItemTypeName;
  return cached;
}

/** The served schema: every field behind the shield (default deny); answers known at once are applied without its promises. */
export function buildSchema(): GraphQLSchema {
  return withDecisionsNow(applyMiddleware(buildBareSchema(), createPermissions()), buildBareSchema());
}

/** Sorted, so the committed file diffs cleanly when anything changes. */
export function printEmittedSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildBareSchema()))}\n`;
}

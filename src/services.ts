import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuthService } from './auth/auth.service';
import { RateLimits } from './auth/rate-limit';
import { SessionService } from './auth/session.service';
import { TokenService } from './auth/tokens';
import type { Config } from './config';
import { ApiKeyService } from './modules/api-keys/api-key.service';
import { ConsentService } from './modules/consents/consent.service';
import { CatalogService } from './modules/catalog/catalog.service';
import { ConversationService } from './modules/conversations/conversation.service';
import { RecommendationService } from './modules/recommendations/recommendation.service';
import { InvitationService } from './modules/invitations/invitation.service';
import { RetentionService } from './modules/retention/retention.service';
import { StatisticsService } from './modules/statistics/statistics.service';
import { DataSubjectRequestService } from './modules/data-subject-requests/dsr.service';
import { DatasetService } from './modules/datasets/dataset.service';
import { MissionService } from './modules/missions/mission.service';
import { ModelService } from './modules/models/model.service';
import { OrganizationService } from './modules/organizations/organization.service';
import { PolicyService } from './modules/policies/policy.service';
import { UsageService } from './modules/usage/usage.service';
import { UserService } from './modules/users/user.service';
import { AccessLogService } from './privacy/access-log.service';
import { EmailIndex } from './privacy/email-index';
import { MasterKeys } from './privacy/key-ring';
import { PrivacyService } from './privacy/privacy.service';
import type { Storage } from './storage/storage';

/** What services share: configuration, infrastructure and each other. */
export interface ServiceDeps {
  config: Readonly<Config>;
  orm: MikroORM;
  redis: Redis;
  storage: Storage;
  log: Logger;
  tokens: TokenService;
  rateLimits: RateLimits;
  master: MasterKeys;
  emailIndex: EmailIndex;
  accessLog: AccessLogService;
  sessions: SessionService;
  usage: UsageService;
  policies: PolicyService;
  consents: ConsentService;
  /** Set once missions exist: consent changes pause or resume them (consents come first in the wiring). */
  onHealthConsentChange?: (em: EntityManager, userId: string, granted: boolean) => Promise<void>;
}

export interface Services extends ServiceDeps {
  auth: AuthService;
  users: UserService;
  organizations: OrganizationService;
  apiKeys: ApiKeyService;
  privacy: PrivacyService;
  datasets: DatasetService;
  models: ModelService;
  conversations: ConversationService;
  missions: MissionService;
  catalog: CatalogService;
  recommendations: RecommendationService;
  statistics: StatisticsService;
  retention: RetentionService;
  invitations: InvitationService;
  dataSubjectRequests: DataSubjectRequestService;
}

export function createServices(base: Pick<ServiceDeps, 'config' | 'orm' | 'redis' | 'storage' | 'log'>): Services {
  const deps = { ...base } as ServiceDeps;
  deps.tokens = new TokenService(base.config.jwtSecret, base.config.accessTokenTtlSeconds);
  deps.rateLimits = new RateLimits(base.redis, base.config, base.log);
  deps.master = new MasterKeys(base.config);
  deps.emailIndex = new EmailIndex(base.config);
  deps.accessLog = new AccessLogService();
  deps.sessions = new SessionService(base.config);
  deps.usage = new UsageService(base.orm, base.log);
  deps.policies = new PolicyService(deps);
  deps.consents = new ConsentService(deps);
  const models = new ModelService(deps);
  const missions = new MissionService({ ...deps, models });
  deps.onHealthConsentChange = (em, userId, granted) => missions.onHealthConsentChange(em, userId, granted);
  const auth = new AuthService(deps);
  return Object.assign(deps, {
    auth,
    dataSubjectRequests: new DataSubjectRequestService({ ...deps, auth }),
    users: new UserService(deps),
    organizations: new OrganizationService(),
    apiKeys: new ApiKeyService(deps),
    privacy: new PrivacyService(deps),
    datasets: new DatasetService(deps),
    models,
    conversations: new ConversationService({ models }),
    missions,
    catalog: new CatalogService(),
    recommendations: new RecommendationService({ ...deps, missions }),
    statistics: new StatisticsService(),
    retention: new RetentionService(),
    invitations: new InvitationService(deps),
  });
}

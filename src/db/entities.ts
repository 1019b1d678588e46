import { ApiKey } from '../modules/api-keys/api-key.entity';
import { ConsentEvent, ConsentPurposeDefinition } from '../modules/consents/consent.entity';
import { ChatMessage, Conversation } from '../modules/conversations/conversation.entity';
import { ContentItem, Product, Purchase, RecommendationFeedback } from '../modules/catalog/catalog.entity';
import { LegalHold, PurgeRun } from '../modules/retention/retention.entity';
import { Dataset } from '../modules/datasets/dataset.entity';
import { HealthProfile, Mission, MissionCheckIn, MissionTemplate } from '../modules/missions/mission.entity';
import { GeneratedContent, InfluencerModel, ModelVersion, TrainingJob } from '../modules/models/model.entity';
import { Organization } from '../modules/organizations/organization.entity';
import { PrivacyPolicy, Processor, RetentionPolicy } from '../modules/policies/policy.entity';
import { UsageEvent, WebVisit } from '../modules/usage/usage.entity';
import { User } from '../modules/users/user.entity';
import { RefreshToken, Session } from '../auth/session.entity';
import { AccessLogEntry, AccessLogHead } from '../privacy/access-log.entity';
import { ObjectKey } from '../privacy/object-key.entity';
import { SubjectKey } from '../privacy/subject-key.entity';
import { DataSubjectRequest, SeparatedRecord } from '../modules/data-subject-requests/dsr.entity';
import { Invitation } from '../modules/invitations/invitation.entity';
import { OutboxMessage } from './outbox.entity';

/** Every entity; the personal-data registry test checks each one's properties. */
export const ENTITIES = [
  User, Organization, Session, RefreshToken, ApiKey, ConsentEvent, ConsentPurposeDefinition,
  PrivacyPolicy, RetentionPolicy, Processor, SubjectKey, AccessLogEntry, AccessLogHead,
  WebVisit, UsageEvent, OutboxMessage, Dataset, InfluencerModel, ModelVersion, TrainingJob, GeneratedContent,
  Conversation, ChatMessage, HealthProfile, MissionTemplate, Mission, MissionCheckIn,
  Product, Purchase, ContentItem, RecommendationFeedback, PurgeRun, LegalHold, Invitation, ObjectKey, DataSubjectRequest, SeparatedRecord,
];

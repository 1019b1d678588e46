import { DataCategory } from '../modules/policies/policy.entity';

/**
 * The one registry of personal data (SPEC 8a). Every property of every entity
 * is either personal, with its category, or declared not personal; a test
 * walks MikroORM's metadata and fails on any property in neither list. Field
 * rules, masking, encryption, access logging, and later export, erasure and
 * retention read this.
 */
/** How staff see a value: masked per SPEC 1, or plain (still access-logged). */
export type MaskKind = 'name' | 'email' | 'phone' | 'plain';

export interface PersonalProperty {
  category: DataCategory;
  /** Sensitive information under PIPA article 23 (health). */
  sensitive?: boolean;
  /** Stored as AES-256-GCM ciphertext under the subject's data key. */
  encrypted?: boolean;
  /** How staff see it; absent: staff do not see it outside an export. */
  mask?: MaskKind;
  /** What the value holds, for the export and the processing-status notice. */
  item: string;
  /** The GraphQL field that shows it; its shield rule is derived from this entry. */
  field?: string;
  /** Colleagues in the same organization see it too (SPEC 1: name, department, job title). */
  colleagues?: boolean;
}

export interface EntityRegistration {
  /** Property holding the subject's id (a relation or uuid column); null for reference data. */
  subject: string | null;
  /** Why personal properties have no subject (data about people who are not our users); retention alone removes them. */
  thirdParty?: string;
  personal: Record<string, PersonalProperty>;
  notPersonal: readonly string[];
}

/** Sensitive health data (PIPA art. 23): encrypted, never shown to staff. */
const health = (item: string): PersonalProperty => ({ category: DataCategory.HEALTH_DATA, sensitive: true, encrypted: true, item });

const profile = (item: string, field: string, visibility: { mask?: MaskKind; colleagues?: boolean } = {}): PersonalProperty =>
  ({ category: DataCategory.MEMBER_PROFILE, encrypted: true, item, field, ...visibility });

export const PERSONAL_DATA_REGISTRY: Record<string, EntityRegistration> = {
  User: {
    subject: 'id',
    personal: {
      emailEnc: profile('email', 'email', { mask: 'email' }),
      // A keyed HMAC of the email: personal (it singles out a person) though unreadable.
      emailIndex: { category: DataCategory.MEMBER_PROFILE, item: 'email blind index' },
      nameEnc: profile('name', 'name', { mask: 'name', colleagues: true }),
      phoneEnc: profile('phone', 'phone', { mask: 'phone' }),
      departmentEnc: profile('department', 'department', { mask: 'plain', colleagues: true }),
      jobTitleEnc: profile('job title', 'jobTitle', { mask: 'plain', colleagues: true }),
      profileImageUrlEnc: profile('profile image URL', 'profileImageUrl'),
      interestsEnc: profile('interests', 'interests'),
      passwordHash: { category: DataCategory.MEMBER_PROFILE, item: 'password hash (argon2id)' },
      lockedUntil: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'sign-in lock' },
      failedSignIns: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'failed sign-ins in a row' },
    },
    notPersonal: ['id', 'role', 'status', 'organization', 'processingSuspended', 'createdAt', 'updatedAt', 'withdrawnAt'],
  },
  Organization: { subject: null, personal: {}, notPersonal: ['id', 'name', 'createdAt'] },
  Session: {
    subject: 'user',
    personal: {
      createdAt: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'sign-in time' },
    },
    notPersonal: ['id', 'user', 'expiresAt', 'revokedAt', 'revokeReason'],
  },
  RefreshToken: { subject: null, personal: {}, notPersonal: ['id', 'session', 'tokenHash', 'createdAt', 'expiresAt', 'usedAt'] },
  ApiKey: { subject: null, personal: {}, notPersonal: ['id', 'organization', 'name', 'prefix', 'secretHash', 'scopes', 'createdBy', 'createdAt', 'lastUsedAt', 'revokedAt'] },
  Invitation: {
    subject: null,
    thirdParty: 'the invitee may have no account: the address is encrypted under a data key of the invitation itself, and the ciphertext, its index and that key are destroyed once the invitation is used, revoked or expired',
    personal: {
      emailEnc: { category: DataCategory.MEMBER_PROFILE, encrypted: true, item: 'invitee email (encrypted under the invitation key)' },
      emailIndex: { category: DataCategory.MEMBER_PROFILE, item: 'invitee email blind index' },
    },
    notPersonal: ['id', 'organization', 'invitedById', 'tokenHash', 'createdAt', 'expiresAt', 'acceptedAt', 'acceptedById', 'revokedAt', 'emailShreddedAt'],
  },
  ConsentEvent: {
    subject: 'user',
    personal: {
      purpose: { category: DataCategory.CONTRACT_RECORD, item: 'consent purpose' },
      granted: { category: DataCategory.CONTRACT_RECORD, item: 'consent given or withdrawn' },
      policyVersion: { category: DataCategory.CONTRACT_RECORD, item: 'policy version consented to' },
      channel: { category: DataCategory.CONTRACT_RECORD, item: 'consent channel' },
      at: { category: DataCategory.CONTRACT_RECORD, item: 'consent time' },
    },
    notPersonal: ['id', 'user'],
  },
  ConsentPurposeDefinition: { subject: null, personal: {}, notPersonal: ['purpose', 'required', 'sensitive', 'title', 'description', 'items', 'retention', 'sortOrder'] },
  PrivacyPolicy: { subject: null, personal: {}, notPersonal: ['version', 'body', 'summaryOfChanges', 'publishedAt', 'effectiveAt', 'publishedById'] },
  RetentionPolicy: { subject: null, personal: {}, notPersonal: ['category', 'period', 'trigger', 'action', 'legalBasis'] },
  Processor: { subject: null, personal: {}, notPersonal: ['name', 'task', 'retention', 'country', 'sortOrder'] },
  SubjectKey: { subject: 'subjectId', personal: {}, notPersonal: ['subjectId', 'wrappedKey', 'keyVersion', 'createdAt', 'destroyedAt'] },
  // Keys of stored objects (a dataset, a model version's artifact): key material, about nobody.
  ObjectKey: { subject: null, personal: {}, notPersonal: ['id', 'owner', 'wrappedKey', 'keyVersion', 'createdAt', 'destroyedAt'] },
  AccessLogEntry: {
    subject: 'subjectId',
    personal: {
      at: { category: DataCategory.ACCESS_LOG, item: 'access time' },
      action: { category: DataCategory.ACCESS_LOG, item: 'what was done' },
      fields: { category: DataCategory.ACCESS_LOG, item: 'which personal fields' },
      actorId: { category: DataCategory.ACCESS_LOG, item: 'who accessed' },
      actorRole: { category: DataCategory.ACCESS_LOG, item: 'their role' },
      operation: { category: DataCategory.ACCESS_LOG, item: 'operation' },
      ipAddress: { category: DataCategory.ACCESS_LOG, item: 'IP address' },
      reason: { category: DataCategory.ACCESS_LOG, item: 'reason given' },
    },
    notPersonal: ['sequence', 'id', 'subjectId', 'previousHash', 'hash'],
  },
  AccessLogHead: { subject: null, personal: {}, notPersonal: ['id', 'sequence', 'hash', 'checkpointSequence', 'checkpointHash'] },
  WebVisit: {
    subject: 'userId',
    personal: {
      at: { category: DataCategory.WEB_VISIT_LOG, item: 'visit time' },
      ipAddress: { category: DataCategory.WEB_VISIT_LOG, item: 'IP address' },
      operation: { category: DataCategory.WEB_VISIT_LOG, item: 'operation' },
    },
    notPersonal: ['id', 'userId'],
  },
  UsageEvent: {
    subject: 'userId',
    personal: {
      type: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'what was used' },
      ipAddress: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'IP address' },
      at: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'time' },
    },
    notPersonal: ['id', 'userId'],
  },
  Dataset: {
    subject: null,
    thirdParty: 'company text may mention people who are not users; validation redacts what it finds, and the files are destroyed once a model is trained',
    personal: {
      uploadKey: { category: DataCategory.TRAINING_DATA, item: 'upload (S3 object, until completion)' },
      rawKey: { category: DataCategory.TRAINING_DATA, item: 'uploaded original (S3 object, while validated)' },
      redactedKey: { category: DataCategory.TRAINING_DATA, item: 'redacted copy (S3 object, encrypted under the dataset key)' },
      previewEnc: { category: DataCategory.TRAINING_DATA, encrypted: true, item: 'first redacted records (encrypted under the dataset key)' },
    },
    notPersonal: ['id', 'organization', 'name', 'kind', 'format', 'status', 'sizeBytes', 'checksumSha256', 'recordCount', 'qaPairCount',
      'issues', 'issueCount', 'piiCounts', 'rawDeletedAt', 'validationOutcome', 'createdBy', 'createdByApiKeyId', 'createdAt', 'updatedAt'],
  },
  InfluencerModel: { subject: null, personal: {}, notPersonal: ['id', 'organization', 'name', 'description', 'persona', 'status', 'activeVersionId', 'createdAt', 'updatedAt'] },
  // The artifact holds redacted text only; its key is not personal.
  ModelVersion: { subject: null, personal: {}, notPersonal: ['id', 'model', 'version', 'backend', 'metrics', 'artifactKey', 'artifactSizeBytes', 'trainedOnDatasetIds', 'trainingJobId', 'createdAt'] },
  TrainingJob: { subject: null, personal: {}, notPersonal: ['id', 'model', 'status', 'backend', 'progress', 'attempts', 'error', 'datasetIds', 'resultVersionId', 'events', 'cancelRequested', 'createdAt', 'startedAt', 'finishedAt'] },
  GeneratedContent: {
    subject: 'createdById',
    personal: { createdAt: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'content generation time' } },
    notPersonal: ['id', 'model', 'modelVersion', 'kind', 'text', 'aiGenerated', 'disclosure', 'createdById', 'createdByApiKeyId'],
  },
  Conversation: {
    subject: 'user',
    personal: {
      model: { category: DataCategory.CONVERSATION_LOG, item: 'which influencer was talked to' },
      createdAt: { category: DataCategory.CONVERSATION_LOG, item: 'when the conversation started' },
      updatedAt: { category: DataCategory.CONVERSATION_LOG, item: 'when it last went on' },
    },
    notPersonal: ['id', 'user'],
  },
  ChatMessage: {
    subject: 'userId',
    personal: {
      // No mask: staff never see conversation text outside the subject's own export.
      textEnc: { category: DataCategory.CONVERSATION_LOG, encrypted: true, item: 'message text (redacted)', field: 'text' },
      role: { category: DataCategory.CONVERSATION_LOG, item: 'who wrote it' },
      redactions: { category: DataCategory.CONVERSATION_LOG, item: 'kinds of personal data removed' },
      createdAt: { category: DataCategory.CONVERSATION_LOG, item: 'message time' },
    },
    notPersonal: ['id', 'conversation', 'userId', 'aiGenerated'],
  },
  HealthProfile: {
    subject: 'userId',
    personal: {
      heightCmEnc: health('height'),
      weightKgEnc: health('weight'),
      activityLevelEnc: health('activity level'),
      goalsEnc: health('health goals'),
      conditionsEnc: health('health conditions'),
      updatedAt: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'when the profile changed' },
    },
    notPersonal: ['userId'],
  },
  MissionTemplate: { subject: null, personal: {}, notPersonal: ['id', 'organization', 'title', 'description', 'category', 'targetValue', 'unit', 'durationDays', 'coachModelId', 'createdAt', 'missionCount'] },
  Mission: {
    subject: 'user',
    personal: {
      template: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'which health mission' },
      status: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'mission status' },
      startDate: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'mission start' },
      endDate: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'mission end' },
      lastCoachingId: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'latest coaching message' },
      createdAt: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'when it was started' },
    },
    notPersonal: ['id', 'user'],
  },
  MissionCheckIn: {
    subject: 'userId',
    personal: {
      date: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'check-in day' },
      valueEnc: health('check-in value'),
      noteEnc: health('check-in note'),
      createdAt: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'check-in time' },
    },
    notPersonal: ['id', 'mission', 'userId'],
  },
  Product: { subject: null, personal: {}, notPersonal: ['id', 'organization', 'name', 'description', 'category', 'tags', 'priceKrw', 'createdAt', 'purchaseCount'] },
  Purchase: {
    subject: 'user',
    personal: {
      product: { category: DataCategory.PAYMENT_RECORD, item: 'what was bought' },
      quantity: { category: DataCategory.PAYMENT_RECORD, item: 'quantity' },
      amountKrw: { category: DataCategory.PAYMENT_RECORD, item: 'amount paid' },
      purchasedAt: { category: DataCategory.PAYMENT_RECORD, item: 'purchase time' },
      reviewRating: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'review rating' },
      reviewTextEnc: { category: DataCategory.SERVICE_USAGE_RECORD, encrypted: true, item: 'review text', field: 'text' },
      reviewedAt: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'review time' },
    },
    notPersonal: ['id', 'user'],
  },
  ContentItem: { subject: null, personal: {}, notPersonal: ['id', 'organization', 'title', 'body', 'tags', 'modelId', 'aiGenerated', 'disclosure', 'createdAt', 'clickCount'] },
  RecommendationFeedback: {
    subject: 'userId',
    personal: {
      kind: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'kind of item' },
      itemId: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'item clicked or dismissed' },
      action: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'clicked or dismissed' },
      createdAt: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'when' },
    },
    notPersonal: ['id', 'userId'],
  },
  PurgeRun: { subject: null, personal: {}, notPersonal: ['id', 'dryRun', 'status', 'startedAt', 'finishedAt', 'counts', 'error', 'requestedById'] },
  LegalHold: {
    subject: 'subjectId',
    personal: {
      reason: { category: DataCategory.COMPLAINT_RECORD, item: 'why the data is held' },
      until: { category: DataCategory.COMPLAINT_RECORD, item: 'until when' },
      createdAt: { category: DataCategory.COMPLAINT_RECORD, item: 'when it was placed' },
      releasedAt: { category: DataCategory.COMPLAINT_RECORD, item: 'when it was released' },
    },
    notPersonal: ['id', 'subjectId', 'placedById'],
  },
  OutboxMessage: { subject: null, personal: {}, notPersonal: ['id', 'queue', 'payload', 'createdAt', 'relayedAt', 'attempts'] },
};

export function personalProperty(entity: string, property: string): PersonalProperty {
  const entry = PERSONAL_DATA_REGISTRY[entity]?.personal[property];
  if (!entry) throw new Error(`${entity}.${property} is not registered as personal data`);
  return entry;
}

/** Properties of an entity that a GraphQL field shows, keyed by that field. */
export function exposedPersonalFields(entity: string): Record<string, PersonalProperty & { property: string }> {
  const out: Record<string, PersonalProperty & { property: string }> = {};
  for (const [property, entry] of Object.entries(PERSONAL_DATA_REGISTRY[entity]?.personal ?? {})) {
    if (entry.field) out[entry.field] = { ...entry, property };
  }
  return out;
}

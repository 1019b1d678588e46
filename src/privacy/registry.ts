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

/**
 * One class of an entity's rows (or of some of its properties) as erasure and
 * retention see it. Erasure of its category removes it; the purge removes it
 * when the category's retention policy says (registry x retention_policies).
 */
export interface RowClass {
  category: DataCategory;
  /** SQL narrowing the rows of this class (the table's own columns); all the subject's rows when absent. */
  where?: string;
  /** The property a COLLECTED period counts from. */
  collectedAt?: string;
  /** Only these properties belong to the class: they are cleared, the row stays. */
  properties?: readonly string[];
  /** What erasure does with the rows: delete (default); separate (kept apart for a legal period); unlink (clear the subject); keep (append-only records). */
  onErase?: 'delete' | 'separate' | 'unlink' | 'keep';
  /** Only a full erasure (the account closing) removes it. */
  fullErasureOnly?: boolean;
  /** Why a kept class stays (the ErasureReport says it). */
  keptBecause?: string;
  /** A further condition for the purge alone (erasure takes every row of the class). */
  purgeWhere?: string;
  /** The properties are S3 object keys: the purge deletes the objects before it clears the columns. */
  holdsObjects?: boolean;
  /** Rows the database guards (append-only): the purge calls this function instead of deleting. */
  purgeFunction?: string;
}

export interface EntityRegistration {
  /** Property holding the subject's id (a relation or uuid column); null for reference data. */
  subject: string | null;
  /** Erasure and retention, for entities with a subject (and subject-less ones the purge clears). Children before parents. */
  lifecycle?: readonly RowClass[];
  /** Why personal properties have no subject (data about people who are not our users); retention alone removes them. */
  thirdParty?: string;
  personal: Record<string, PersonalProperty>;
  notPersonal: readonly string[];
}

/** Sensitive health data (PIPA art. 23): encrypted, never shown to staff. */
const health = (item: string): PersonalProperty => ({ category: DataCategory.HEALTH_DATA, sensitive: true, encrypted: true, item });

const profile = (item: string, field: string, visibility: { mask?: MaskKind; colleagues?: boolean } = {}): PersonalProperty =>
  ({ category: DataCategory.MEMBER_PROFILE, encrypted: true, item, field, ...visibility });

/** A consent event a later one of the same person and purpose replaced (the latest is the state in force). */
const SUPERSEDED_CONSENT = 'exists (select 1 from consent_events n where n.user_id = consent_events.user_id and n.purpose = consent_events.purpose and (n.at, n.id) > (consent_events.at, consent_events.id))';

export const PERSONAL_DATA_REGISTRY: Record<string, EntityRegistration> = {
  User: {
    subject: 'id',
    lifecycle: [
      // Optional items go alone; what the account needs goes only with the account.
      { category: DataCategory.MEMBER_PROFILE, properties: ['interestsEnc', 'profileImageUrlEnc'] },
      { category: DataCategory.MEMBER_PROFILE, fullErasureOnly: true,
        properties: ['emailEnc', 'emailIndex', 'nameEnc', 'phoneEnc', 'departmentEnc', 'jobTitleEnc', 'passwordHash', 'lockedUntil'] },
    ],
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
      // Derived by the database from ConsentEvent: erasing or purging events recomputes it (Migration20261208100000).
      currentConsents: { category: DataCategory.CONTRACT_RECORD, item: 'consents in force (the latest decision per purpose)' },
    },
    notPersonal: ['id', 'role', 'status', 'organization', 'processingSuspended', 'createdAt', 'updatedAt', 'withdrawnAt'],
  },
  Organization: { subject: null, personal: {}, notPersonal: ['id', 'name', 'createdAt'] },
  Session: {
    subject: 'user',
    lifecycle: [{ category: DataCategory.SERVICE_USAGE_RECORD, collectedAt: 'createdAt', fullErasureOnly: true }],
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
    lifecycle: [
      // Withdrawn marketing consent: its history goes at once; the latest event (the withdrawal) is the state in force.
      { category: DataCategory.MARKETING_CONSENT, where: "purpose = 'MARKETING'", collectedAt: 'at',
        purgeWhere: SUPERSEDED_CONSENT },
      // The purge removes only superseded terms consents of live accounts: the latest one is the contract in force.
      { category: DataCategory.CONTRACT_RECORD, where: "purpose = 'TERMS_OF_SERVICE'", collectedAt: 'at', onErase: 'separate', fullErasureOnly: true,
        purgeWhere: SUPERSEDED_CONSENT },
      // Other consents are evidence for as long as the account lives; it closing ends them.
      { category: DataCategory.MEMBER_PROFILE, where: "purpose not in ('MARKETING', 'TERMS_OF_SERVICE')", fullErasureOnly: true },
    ],
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
    lifecycle: [{ category: DataCategory.ACCESS_LOG, collectedAt: 'at', onErase: 'keep', purgeFunction: 'purge_access_log',
      keptBecause: '개인정보의 안전성 확보조치 기준 제8조: 접속기록 보관 (append-only hash chain; entries hold ids, no personal values)' }],
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
    lifecycle: [{ category: DataCategory.WEB_VISIT_LOG, collectedAt: 'at' }],
    personal: {
      at: { category: DataCategory.WEB_VISIT_LOG, item: 'visit time' },
      ipAddress: { category: DataCategory.WEB_VISIT_LOG, item: 'IP address' },
      operation: { category: DataCategory.WEB_VISIT_LOG, item: 'operation' },
    },
    notPersonal: ['id', 'userId'],
  },
  UsageEvent: {
    subject: 'userId',
    lifecycle: [{ category: DataCategory.SERVICE_USAGE_RECORD, collectedAt: 'at' }],
    personal: {
      type: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'what was used' },
      ipAddress: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'IP address' },
      at: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'time' },
    },
    notPersonal: ['id', 'userId'],
  },
  Dataset: {
    subject: null,
    lifecycle: [{ category: DataCategory.TRAINING_DATA, where: "status = 'CONSUMED' and (raw_key is not null or redacted_key is not null)", properties: ['rawKey', 'redactedKey'], holdsObjects: true }],
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
    lifecycle: [
      { category: DataCategory.HEALTH_DATA, where: "kind = 'COACHING'" },
      // An enterprise user's posts are the organization's content: they lose only their author.
      { category: DataCategory.SERVICE_USAGE_RECORD, where: "kind <> 'COACHING'", collectedAt: 'createdAt', onErase: 'unlink' },
    ],
    personal: { createdAt: { category: DataCategory.SERVICE_USAGE_RECORD, item: 'content generation time' } },
    notPersonal: ['id', 'model', 'modelVersion', 'kind', 'text', 'aiGenerated', 'disclosure', 'createdById', 'createdByApiKeyId'],
  },
  ChatMessage: {
    subject: 'userId',
    lifecycle: [{ category: DataCategory.CONVERSATION_LOG, collectedAt: 'createdAt' }],
    personal: {
      // No mask: staff never see conversation text outside the subject's own export.
      textEnc: { category: DataCategory.CONVERSATION_LOG, encrypted: true, item: 'message text (redacted)', field: 'text' },
      role: { category: DataCategory.CONVERSATION_LOG, item: 'who wrote it' },
      redactions: { category: DataCategory.CONVERSATION_LOG, item: 'kinds of personal data removed' },
      createdAt: { category: DataCategory.CONVERSATION_LOG, item: 'message time' },
    },
    notPersonal: ['id', 'conversation', 'userId', 'aiGenerated'],
  },
  Conversation: {
    subject: 'user',
    lifecycle: [{ category: DataCategory.CONVERSATION_LOG, collectedAt: 'updatedAt', purgeWhere: 'not exists (select 1 from chat_messages m where m.conversation_id = conversations.id)' }],
    personal: {
      model: { category: DataCategory.CONVERSATION_LOG, item: 'which influencer was talked to' },
      createdAt: { category: DataCategory.CONVERSATION_LOG, item: 'when the conversation started' },
      updatedAt: { category: DataCategory.CONVERSATION_LOG, item: 'when it last went on' },
    },
    notPersonal: ['id', 'user'],
  },
  HealthProfile: {
    subject: 'userId',
    lifecycle: [{ category: DataCategory.HEALTH_DATA }],
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
  MissionCheckIn: {
    subject: 'userId',
    lifecycle: [{ category: DataCategory.HEALTH_DATA }],
    personal: {
      date: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'check-in day' },
      valueEnc: health('check-in value'),
      noteEnc: health('check-in note'),
      createdAt: { category: DataCategory.HEALTH_DATA, sensitive: true, item: 'check-in time' },
    },
    notPersonal: ['id', 'mission', 'userId'],
  },
  Mission: {
    subject: 'user',
    lifecycle: [{ category: DataCategory.HEALTH_DATA }],
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
  Product: { subject: null, personal: {}, notPersonal: ['id', 'organization', 'name', 'description', 'category', 'tags', 'priceKrw', 'createdAt', 'purchaseCount'] },
  Purchase: {
    subject: 'user',
    lifecycle: [
      { category: DataCategory.SERVICE_USAGE_RECORD, collectedAt: 'reviewedAt', properties: ['reviewRating', 'reviewTextEnc', 'reviewedAt'] },
      { category: DataCategory.PAYMENT_RECORD, collectedAt: 'purchasedAt', onErase: 'separate', fullErasureOnly: true },
    ],
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
    lifecycle: [{ category: DataCategory.SERVICE_USAGE_RECORD, collectedAt: 'createdAt' }],
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
    lifecycle: [{ category: DataCategory.COMPLAINT_RECORD, collectedAt: 'createdAt', onErase: 'keep', where: 'released_at is not null',
      keptBecause: '개인정보 보호법 제21조 제1항 단서: 분쟁 해결 및 법적 의무 이행을 위한 보존' }],
    personal: {
      reason: { category: DataCategory.COMPLAINT_RECORD, item: 'why the data is held' },
      until: { category: DataCategory.COMPLAINT_RECORD, item: 'until when' },
      createdAt: { category: DataCategory.COMPLAINT_RECORD, item: 'when it was placed' },
      releasedAt: { category: DataCategory.COMPLAINT_RECORD, item: 'when it was released' },
    },
    notPersonal: ['id', 'subjectId', 'placedById'],
  },
  DataSubjectRequest: {
    subject: 'subjectId',
    lifecycle: [
      // The free text is the subject's: it goes with the account (and the key that encrypts it).
      { category: DataCategory.MEMBER_PROFILE, properties: ['detailsEnc', 'correctionsEnc'], fullErasureOnly: true },
      { category: DataCategory.COMPLAINT_RECORD, collectedAt: 'submittedAt', onErase: 'keep',
        keptBecause: '개인정보 보호법 시행령 제41조 및 전자상거래법 시행령 제6조: 소비자 불만·분쟁처리 기록 3년 (requests stay as the complaint record; their free text is erased)' },
    ],
    personal: {
      type: { category: DataCategory.COMPLAINT_RECORD, item: 'what was asked' },
      status: { category: DataCategory.COMPLAINT_RECORD, item: 'where the request stands' },
      detailsEnc: { category: DataCategory.COMPLAINT_RECORD, encrypted: true, item: 'request details', field: 'details' },
      correctionsEnc: { category: DataCategory.COMPLAINT_RECORD, encrypted: true, item: 'corrections asked for', field: 'requestedCorrections' },
      categories: { category: DataCategory.COMPLAINT_RECORD, item: 'categories to erase' },
      submittedAt: { category: DataCategory.COMPLAINT_RECORD, item: 'when it was submitted' },
      dueAt: { category: DataCategory.COMPLAINT_RECORD, item: 'answer due' },
      completedAt: { category: DataCategory.COMPLAINT_RECORD, item: 'when it was answered' },
      rejectionReason: { category: DataCategory.COMPLAINT_RECORD, item: 'why it was refused' },
      events: { category: DataCategory.COMPLAINT_RECORD, item: 'what happened to it' },
      erasureReport: { category: DataCategory.COMPLAINT_RECORD, item: 'what erasure removed and kept' },
      processingStatus: { category: DataCategory.COMPLAINT_RECORD, item: 'processing status notice' },
      exportKey: { category: DataCategory.COMPLAINT_RECORD, item: 'access export (S3 object, encrypted)' },
      exportCreatedAt: { category: DataCategory.COMPLAINT_RECORD, item: 'when the export was made' },
    },
    notPersonal: ['id', 'subjectId', 'handledById', 'attempts', 'failedAt', 'failure'],
  },
  SeparatedRecord: {
    subject: 'subjectId',
    // Already apart: the purge destroys each record when its retainUntil passes.
    lifecycle: [],
    personal: {
      data: { category: DataCategory.CONTRACT_RECORD, item: 'record kept apart by law (terms consents, purchases)' },
      category: { category: DataCategory.CONTRACT_RECORD, item: 'its category' },
      source: { category: DataCategory.CONTRACT_RECORD, item: 'where it came from' },
      legalBasis: { category: DataCategory.CONTRACT_RECORD, item: 'the law that requires it' },
      retainUntil: { category: DataCategory.CONTRACT_RECORD, item: 'when it is destroyed' },
      separatedAt: { category: DataCategory.CONTRACT_RECORD, item: 'when it was moved apart' },
    },
    notPersonal: ['id', 'subjectId'],
  },
  OutboxMessage: { subject: null, personal: {}, notPersonal: ['id', 'queue', 'payload', 'createdAt', 'relayedAt', 'claimedUntil', 'attempts'] },
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

import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';

export enum DatasetKind {
  QA_CONVERSATION = 'QA_CONVERSATION',
  CHARACTER_PROFILE = 'CHARACTER_PROFILE',
  PRODUCT_INFO = 'PRODUCT_INFO',
  MARKETING_MATERIAL = 'MARKETING_MATERIAL',
  GENERAL_TEXT = 'GENERAL_TEXT',
}
export enum DatasetFormat {
  CSV = 'CSV',
  JSON = 'JSON',
  JSONL = 'JSONL',
  TXT = 'TXT',
  MD = 'MD',
}
export enum DatasetStatus {
  AWAITING_UPLOAD = 'AWAITING_UPLOAD',
  VALIDATING = 'VALIDATING',
  READY = 'READY',
  INVALID = 'INVALID',
  CONSUMED = 'CONSUMED',
  DELETED = 'DELETED',
}
registerEnumType(DatasetKind, {
  name: 'DatasetKind',
  description: 'What a dataset holds.',
  valuesConfig: {
    QA_CONVERSATION: { description: 'Question-and-answer pairs or chat transcripts; it needs at least one question-answer pair to be READY.' },
    CHARACTER_PROFILE: { description: 'Text about the influencer\'s character and background.' },
    PRODUCT_INFO: { description: 'Product descriptions.' },
    MARKETING_MATERIAL: { description: 'Marketing copy.' },
    GENERAL_TEXT: { description: 'Any other text.' },
  },
});
registerEnumType(DatasetFormat, {
  name: 'DatasetFormat',
  description: 'The file format of a dataset.',
  valuesConfig: {
    CSV: { description: 'Comma-separated values with a header row (question/answer or 질문/답변 columns, or a text column).' },
    JSON: { description: 'A JSON array of {question, answer}, {messages: [{role, content}]} or {text} objects.' },
    JSONL: { description: 'One such JSON object per line.' },
    TXT: { description: 'Plain text: Q:/A: (or 질문:/답변:) blocks, otherwise paragraphs.' },
    MD: { description: 'Markdown, read like TXT.' },
  },
});
registerEnumType(DatasetStatus, {
  name: 'DatasetStatus',
  description: 'Where a dataset stands: upload, validation, use, destruction.',
  valuesConfig: {
    AWAITING_UPLOAD: { description: 'Created: upload the file to the pre-signed URL, then call completeDatasetUpload.' },
    VALIDATING: { description: 'Being checked and redacted in the background.' },
    READY: { description: 'Valid: it can be used for training.' },
    INVALID: { description: 'Refused (malformed, not UTF-8, no records); see issues. Its files are destroyed.' },
    CONSUMED: { description: 'Used by a successful training; its files are destroyed.' },
    DELETED: { description: 'Deleted by its organization; its files are destroyed and the record kept.' },
  },
});

export interface StoredIssue { line: number | null; message: string }
export interface StoredRecord { question?: string; answer?: string; text?: string }

/**
 * An organization's training text. Its objects live in S3, each named on this
 * row while it may exist (the sweep removes any other): the upload while
 * AWAITING_UPLOAD, the server-side original only while VALIDATING, then the
 * redacted copy (encrypted under the dataset's own key, as is the preview)
 * until the dataset is consumed, deleted or found invalid. Only counts,
 * issues and PII counts are here in the clear.
 */
@Entity({ tableName: 'datasets' })
@Index({ properties: ['organization', 'createdAt'] })
export class Dataset {
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt' | 'issues' | 'piiCounts' | 'issueCount';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Organization;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => DatasetKind })
  kind!: DatasetKind;

  @Enum({ items: () => DatasetFormat })
  format!: DatasetFormat;

  @Enum({ items: () => DatasetStatus })
  status: DatasetStatus = DatasetStatus.AWAITING_UPLOAD;

  /** Declared at creation, then the real size once uploaded. */
  @Property({ type: 'integer', nullable: true })
  sizeBytes: number | null = null;

  @Property({ type: 'text', nullable: true })
  checksumSha256: string | null = null;

  @Property({ type: 'integer', nullable: true })
  recordCount: number | null = null;

  @Property({ type: 'integer', nullable: true })
  qaPairCount: number | null = null;

  /** The first 100 issues; issueCount counts them all. */
  @Property({ type: 'json' })
  issues: StoredIssue[] = [];

  @Property({ type: 'integer' })
  issueCount: number = 0;

  @Property({ type: 'json' })
  piiCounts: Record<string, number> = {};

  /** The first redacted records (StoredRecord[] as JSON), sealed under the dataset's object key; null when there are none. */
  @Property({ type: 'blob', nullable: true })
  previewEnc: Buffer | null = null;

  /** Where the pre-signed upload goes (a fresh name per dataset); never read after completion. */
  @Property({ type: 'text', nullable: true })
  uploadKey: string | null = null;

  /** The server-side original: copied from the upload at completion (or written inline), deleted by validation. */
  @Property({ type: 'text', nullable: true })
  rawKey: string | null = null;

  /** The redacted copy, encrypted; named here before it is written, so a crash leaves nothing unowned. */
  @Property({ type: 'text', nullable: true })
  redactedKey: string | null = null;

  /** Validation's verdict, recorded before the original is deleted; the status follows once it is (a crash in between is finished later). */
  @Enum({ items: () => DatasetStatus, nullable: true })
  validationOutcome: DatasetStatus | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  rawDeletedAt: Date | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  createdBy: User | null = null;

  /** Set when a partner API key created it. */
  @Property({ type: 'uuid', nullable: true })
  createdByApiKeyId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';

export enum DataSubjectRequestType {
  ACCESS = 'ACCESS',
  RECTIFICATION = 'RECTIFICATION',
  ERASURE = 'ERASURE',
  PROCESSING_SUSPENSION = 'PROCESSING_SUSPENSION',
  PROCESSING_STATUS_NOTICE = 'PROCESSING_STATUS_NOTICE',
}
registerEnumType(DataSubjectRequestType, {
  name: 'DataSubjectRequestType',
  description: 'What a person asks of their own data (PIPA articles 35 to 37).',
  valuesConfig: {
    ACCESS: { description: 'A copy of every personal datum held about them (JSON and a readable HTML page).' },
    RECTIFICATION: { description: 'A correction of their data, applied by a privacy officer.' },
    ERASURE: { description: 'Erasure of chosen categories, or of everything (the account closes).' },
    PROCESSING_SUSPENSION: { description: 'Stop personalisation, coaching, marketing and conversation analysis; missions pause. A second request lifts it.' },
    PROCESSING_STATUS_NOTICE: { description: 'What is held per category: purposes, items, retention, processors and how many records.' },
  },
});

export enum DataSubjectRequestStatus {
  SUBMITTED = 'SUBMITTED',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  REJECTED = 'REJECTED',
}
registerEnumType(DataSubjectRequestStatus, {
  name: 'DataSubjectRequestStatus',
  description: 'Where a data-subject request stands.',
  valuesConfig: {
    SUBMITTED: { description: 'Received; not yet worked on.' },
    IN_PROGRESS: { description: 'Being worked on (by a job or an officer), or waiting for an officer (see its events).' },
    COMPLETED: { description: 'Done: see its export, erasure report or processing status.' },
    REJECTED: { description: 'Refused, with a reason.' },
  },
});

/** An ACCESS export is destroyed this many days after it is made (the sweep does it). */
export const EXPORT_RETENTION_DAYS = 7;

export interface RequestEventData { at: string; status: DataSubjectRequestStatus; note: string | null }
export interface ErasureReportData {
  erasedCategories: string[];
  retained: { category: string; count: number; legalBasis: string; retainUntil: string }[];
  completedAt: string;
  /** Rows removed per category, the evidence of deletion. */
  counts: Record<string, number>;
}
export interface ProcessingActivityData { category: string; purposes: string[]; items: string[]; retention: string; processors: string[]; recordCount: number }

/**
 * A person's request about their own data. Free text (details, requested
 * corrections) is encrypted under the subject's key, so full erasure shreds
 * it; the rest is the complaint record kept 3 years (SPEC 9).
 */
@Entity({ tableName: 'data_subject_requests' })
@Index({ properties: ['subjectId', 'submittedAt'] })
@Index({ properties: ['status', 'dueAt'] })
export class DataSubjectRequest {
  [OptionalProps]?: 'status' | 'submittedAt' | 'events' | 'categories' | 'attempts';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  subjectId!: string;

  @Enum({ items: () => DataSubjectRequestType })
  type!: DataSubjectRequestType;

  @Enum({ items: () => DataSubjectRequestStatus })
  status: DataSubjectRequestStatus = DataSubjectRequestStatus.SUBMITTED;

  @Property({ type: 'blob', nullable: true })
  detailsEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  correctionsEnc: Buffer | null = null;

  /** ERASURE: the categories chosen; empty is everything. */
  @Property({ type: ArrayType })
  categories: string[] = [];

  @Property({ type: 'timestamptz' })
  submittedAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  dueAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  handledById: string | null = null;

  @Property({ type: 'text', nullable: true })
  rejectionReason: string | null = null;

  /** ACCESS: the export objects (JSON and HTML), encrypted under the subject's key. */
  @Property({ type: 'text', nullable: true })
  exportKey: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  exportCreatedAt: Date | null = null;

  @Property({ type: 'json', nullable: true })
  erasureReport: ErasureReportData | null = null;

  @Property({ type: 'json', nullable: true })
  processingStatus: ProcessingActivityData[] | null = null;

  @Property({ type: 'json' })
  events: RequestEventData[] = [];

  @Property()
  attempts: number = 0;

  /** Set when the job ran out of retries: the request stays visible to the officer as failed work. */
  @Property({ type: 'timestamptz', nullable: true })
  failedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  failure: string | null = null;
}

/**
 * The separate store (PIPA art. 21(3)): records a law requires kept after
 * their subject's erasure, apart from the live tables, readable by the
 * PRIVACY_OFFICER alone, destroyed by the purge when retainUntil passes.
 */
@Entity({ tableName: 'retained_records', schema: 'separate_store' })
@Index({ properties: ['retainUntil'] })
@Index({ properties: ['subjectId'] })
export class SeparatedRecord {
  [OptionalProps]?: 'separatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  subjectId!: string;

  @Property({ type: 'text' })
  category!: string;

  /** Which entity the record came from. */
  @Property({ type: 'text' })
  source!: string;

  @Property({ type: 'text' })
  legalBasis!: string;

  @Property({ type: 'timestamptz' })
  retainUntil!: Date;

  @Property({ type: 'timestamptz' })
  separatedAt: Date = new Date();

  /** The record's content as it stood, without free text. */
  @Property({ type: 'json' })
  data!: Record<string, unknown>;
}

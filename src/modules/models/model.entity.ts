import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { Organization } from '../organizations/organization.entity';

export enum ModelStatus {
  DRAFT = 'DRAFT',
  TRAINING = 'TRAINING',
  READY = 'READY',
  FAILED = 'FAILED',
  ARCHIVED = 'ARCHIVED',
}
export enum TrainingBackend {
  LOCAL = 'LOCAL',
  RUNPOD = 'RUNPOD',
}
export enum TrainingJobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
export enum ContentKind {
  POST = 'POST',
  CAPTION = 'CAPTION',
  REPLY = 'REPLY',
  COACHING = 'COACHING',
}
registerEnumType(ModelStatus, {
  name: 'ModelStatus',
  description: 'Where an influencer model stands.',
  valuesConfig: {
    DRAFT: { description: 'Created, never trained: it cannot chat or generate yet.' },
    TRAINING: { description: 'A training job is queued or running.' },
    READY: { description: 'Has an active version: it chats and generates content.' },
    FAILED: { description: 'Its latest training failed and it has no version to use.' },
    ARCHIVED: { description: 'Retired by its organization; kept for the record.' },
  },
});
registerEnumType(TrainingBackend, {
  name: 'TrainingBackend',
  description: 'Where a model is trained.',
  valuesConfig: {
    LOCAL: { description: 'Trained by the platform\'s own workers (a retrieval model over the redacted records).' },
    RUNPOD: { description: 'Trained on RunPod\'s serverless GPUs; available when the platform has a RunPod endpoint configured.' },
  },
});
registerEnumType(TrainingJobStatus, {
  name: 'TrainingJobStatus',
  description: 'Where a training job stands.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a worker.' },
    RUNNING: { description: 'Being trained; progress moves from 0 to 1.' },
    SUCCEEDED: { description: 'Done: a new model version was made and activated.' },
    FAILED: { description: 'Gave up after its retries; error says why.' },
    CANCELLED: { description: 'Stopped by cancelTrainingJob.' },
  },
});
registerEnumType(ContentKind, {
  name: 'ContentKind',
  description: 'What kind of content to generate.',
  valuesConfig: {
    POST: { description: 'A social-media post.' },
    CAPTION: { description: 'A short caption for an image or a video.' },
    REPLY: { description: 'An answer to a message, in the persona\'s voice.' },
    COACHING: { description: 'A coaching message for a mission; it never repeats the numbers of the prompt.' },
  },
});

export interface PersonaData {
  displayName: string;
  bio: string | null;
  tone: string | null;
  speakingStyle: string | null;
  catchphrases: string[];
  brandValues: string[];
  language: string;
}

@Entity({ tableName: 'influencer_models' })
@Index({ properties: ['organization', 'createdAt'] })
export class InfluencerModel {
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Organization;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  @Property({ type: 'json' })
  persona!: PersonaData;

  @Enum({ items: () => ModelStatus })
  status: ModelStatus = ModelStatus.DRAFT;

  @Property({ type: 'uuid', nullable: true })
  activeVersionId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

export interface MetricsData {
  trainingExamples: number;
  heldOutExamples: number;
  heldOutAccuracy: number | null;
}

/** One per successful training job (trainingJobId is unique): a retried job never makes two. */
@Entity({ tableName: 'model_versions' })
@Unique({ properties: ['model', 'version'] })
export class ModelVersion {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => InfluencerModel, { deleteRule: 'cascade' })
  model!: InfluencerModel;

  @Property({ type: 'integer' })
  version!: number;

  @Enum({ items: () => TrainingBackend })
  backend!: TrainingBackend;

  @Property({ type: 'json' })
  metrics!: MetricsData;

  @Property({ type: 'text' })
  artifactKey!: string;

  @Property({ type: 'integer' })
  artifactSizeBytes!: number;

  @Property({ type: ArrayType })
  trainedOnDatasetIds!: string[];

  @Property({ type: 'uuid', unique: true })
  trainingJobId!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

export interface TrainingEventData {
  at: string;
  message: string;
}

@Entity({ tableName: 'training_jobs' })
@Index({ properties: ['model', 'createdAt'] })
export class TrainingJob {
  [OptionalProps]?: 'status' | 'progress' | 'attempts' | 'events' | 'createdAt' | 'cancelRequested';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => InfluencerModel, { deleteRule: 'cascade' })
  model!: InfluencerModel;

  @Enum({ items: () => TrainingJobStatus })
  status: TrainingJobStatus = TrainingJobStatus.QUEUED;

  @Enum({ items: () => TrainingBackend })
  backend!: TrainingBackend;

  @Property({ type: 'double' })
  progress: number = 0;

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: ArrayType })
  datasetIds!: string[];

  @Property({ type: 'uuid', nullable: true })
  resultVersionId: string | null = null;

  @Property({ type: 'json' })
  events: TrainingEventData[] = [];

  @Property()
  cancelRequested: boolean = false;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;
}

/** Generated output, always AI-labelled. The prompt is not kept (it may hold personal data). */
@Entity({ tableName: 'generated_contents' })
@Index({ properties: ['model', 'createdAt'] })
export class GeneratedContent {
  [OptionalProps]?: 'createdAt' | 'aiGenerated';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => InfluencerModel, { deleteRule: 'cascade' })
  model!: InfluencerModel;

  @Property({ type: 'integer' })
  modelVersion!: number;

  @Enum({ items: () => ContentKind })
  kind!: ContentKind;

  @Property({ type: 'text' })
  text!: string;

  @Property()
  aiGenerated: boolean = true;

  @Property({ type: 'text' })
  disclosure!: string;

  @Property({ type: 'uuid', nullable: true })
  createdById: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  createdByApiKeyId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

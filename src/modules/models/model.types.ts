import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../common/pagination';
import { ContentKind, ModelStatus, TrainingBackend, TrainingJobStatus } from './model.entity';

@ObjectType({ description: "The influencer's character: how it speaks and what it stands for." })
export class Persona {
  @Field({ description: 'Name shown to people.' })
  displayName!: string;

  @Field(() => String, { nullable: true, description: 'Short biography.' })
  bio!: string | null;

  @Field(() => String, { nullable: true, description: 'Tone, e.g. friendly, expert.' })
  tone!: string | null;

  @Field(() => String, { nullable: true, description: 'Speaking style, e.g. casual 해요체.' })
  speakingStyle!: string | null;

  @Field(() => [String], { description: 'Phrases it likes to use.' })
  catchphrases!: string[];

  @Field(() => [String], { description: 'Brand values it stands for (used as hashtags).' })
  brandValues!: string[];

  @Field({ description: 'Language code of its output (ko, en, ja, zh).' })
  language!: string;
}

@InputType({ description: "The influencer's character." })
export class PersonaInput {
  @Field({ description: 'Name shown to people (1 to 50 characters).' })
  displayName!: string;

  @Field(() => String, { nullable: true, description: 'Short biography (up to 500 characters).' })
  bio?: string | null;

  @Field(() => String, { nullable: true, description: 'Tone (up to 100 characters).' })
  tone?: string | null;

  @Field(() => String, { nullable: true, description: 'Speaking style (up to 100 characters).' })
  speakingStyle?: string | null;

  @Field(() => [String], { nullable: true, description: 'Up to 10 catchphrases of up to 100 characters.' })
  catchphrases?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Up to 10 brand values of up to 50 characters.' })
  brandValues?: string[] | null;

  @Field(() => String, { nullable: true, description: 'ko (default), en, ja or zh.' })
  language?: string | null;
}

@ObjectType('InfluencerModel', { description: "An organization's AI influencer: its persona, versions and training jobs." })
export class InfluencerModelType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'Name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Description.' })
  description!: string | null;

  @Field(() => Persona, { description: 'Its character.' })
  persona!: Persona;

  @Field(() => ModelStatus, { description: 'Where it stands.' })
  status!: ModelStatus;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;

  @Field({ description: 'When it last changed.' })
  updatedAt!: Date;
}

export const { Edge: InfluencerModelEdge, Connection: InfluencerModelConnection } = connectionTypes('InfluencerModel', InfluencerModelType, 'influencer model');

@ObjectType({ description: 'How well a version answers questions it was not trained on.' })
export class ModelMetrics {
  @Field(() => Int, { description: 'Examples it was trained on.' })
  trainingExamples!: number;

  @Field(() => Int, { description: 'Question-answer pairs held out for evaluation (a tenth, when there are at least 10).' })
  heldOutExamples!: number;

  @Field(() => Float, { nullable: true, description: "Mean overlap (character-bigram F1, 0 to 1) of the model's replies to held-out questions with their reference answers." })
  heldOutAccuracy!: number | null;
}

@ObjectType('ModelVersion', { description: 'A trained version of a model.' })
export class ModelVersionType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => Int, { description: '1, 2, ... per model.' })
  version!: number;

  @Field(() => TrainingBackend, { description: 'Where it was trained.' })
  backend!: TrainingBackend;

  @Field(() => ModelMetrics, { description: 'Evaluation on held-out examples.' })
  metrics!: ModelMetrics;

  @Field(() => Int, { description: 'Size of the stored artifact.' })
  artifactSizeBytes!: number;

  @Field(() => [ID], { description: 'Ids of the datasets it was trained on; their content may already be gone.' })
  trainedOnDatasetIds!: string[];

  @Field({ description: 'When it was made.' })
  createdAt!: Date;
}

@ObjectType({ description: 'Something that happened in a training job.' })
export class TrainingEvent {
  @Field({ description: 'When.' })
  at!: Date;

  @Field({ description: 'What.' })
  message!: string;
}

@ObjectType('TrainingJob', { description: 'A training run of a model on datasets.' })
export class TrainingJobType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => TrainingJobStatus, { description: 'Where it stands.' })
  status!: TrainingJobStatus;

  @Field(() => TrainingBackend, { description: 'Where it runs.' })
  backend!: TrainingBackend;

  @Field(() => Float, { description: '0 to 1.' })
  progress!: number;

  @Field(() => Int, { description: 'Attempts so far (a crashed worker retries).' })
  attempts!: number;

  @Field(() => String, { nullable: true, description: 'Why it failed.' })
  error!: string | null;

  @Field({ description: 'When it was queued.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it started running.' })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it ended.' })
  finishedAt!: Date | null;
}

@ObjectType('GeneratedContent', { description: 'Content an influencer model generated; always AI-labelled.' })
export class GeneratedContentType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => Int, { description: 'The model version that generated it.' })
  modelVersion!: number;

  @Field(() => ContentKind, { description: 'What kind of content.' })
  kind!: ContentKind;

  @Field({ description: 'The content.' })
  text!: string;

  @Field({ description: 'Always true: AI output is always labelled.' })
  aiGenerated!: boolean;

  @Field({ description: 'The label to show beside the content.' })
  disclosure!: string;

  @Field({ description: 'When it was generated.' })
  createdAt!: Date;
}

@InputType({ description: 'A new influencer model.' })
export class CreateModelInput {
  @Field(() => ID, { description: 'The organization it belongs to.' })
  organizationId!: string;

  @Field({ description: 'Name (1 to 100 characters).' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Description (up to 1000 characters).' })
  description?: string | null;

  @Field(() => PersonaInput, { description: 'Its character.' })
  persona!: PersonaInput;
}

@InputType({ description: 'Changes to a model; absent fields stay as they are.' })
export class UpdateModelInput {
  @Field(() => String, { nullable: true, description: 'Name.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Description; null clears it.' })
  description?: string | null;

  @Field(() => PersonaInput, { nullable: true, description: 'A new persona (replaces the old one; used by new outputs at once).' })
  persona?: PersonaInput | null;
}

@InputType({ description: 'What to train a model on.' })
export class TrainModelInput {
  @Field(() => ID, { description: 'The model.' })
  modelId!: string;

  @Field(() => [ID], { description: 'READY datasets of the same organization (1 to 20).' })
  datasetIds!: string[];

  @Field(() => TrainingBackend, { nullable: true, description: 'LOCAL (default) or RUNPOD.' })
  backend?: TrainingBackend | null;
}

@InputType({ description: 'What to generate.' })
export class GenerateContentInput {
  @Field(() => ID, { description: 'A READY model.' })
  modelId!: string;

  @Field(() => ContentKind, { description: 'What kind of content.' })
  kind!: ContentKind;

  @Field({ description: 'What it should be about (1 to 2000 characters).' })
  prompt!: string;
}

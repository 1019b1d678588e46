import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../../common/pagination';
import { DatasetFormat, DatasetKind, DatasetStatus } from './dataset.entity';

export enum PiiType {
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
  RESIDENT_REGISTRATION_NUMBER = 'RESIDENT_REGISTRATION_NUMBER',
  CARD_NUMBER = 'CARD_NUMBER',
  BANK_ACCOUNT = 'BANK_ACCOUNT',
  PASSPORT_NUMBER = 'PASSPORT_NUMBER',
  IP_ADDRESS = 'IP_ADDRESS',
}
registerEnumType(PiiType, {
  name: 'PiiType',
  description: 'Kinds of personal data found and redacted in text.',
  valuesConfig: {
    EMAIL: { description: 'An email address, replaced by [EMAIL].' },
    PHONE: { description: 'A Korean mobile or landline number, replaced by [PHONE].' },
    RESIDENT_REGISTRATION_NUMBER: { description: 'A resident registration number, replaced by [RRN].' },
    CARD_NUMBER: { description: 'A payment card number (Luhn-checked), replaced by [CARD].' },
    BANK_ACCOUNT: { description: 'A bank account number, replaced by [ACCOUNT].' },
    PASSPORT_NUMBER: { description: 'A passport number, replaced by [PASSPORT].' },
    IP_ADDRESS: { description: 'An IPv4 or IPv6 address, replaced by [IP].' },
  },
});

@ObjectType('Dataset', { description: "An organization's training text: uploaded, validated, redacted, and destroyed once a model is trained on it." })
export class DatasetType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'Name given at creation.' })
  name!: string;

  @Field(() => DatasetKind, { description: 'What it holds.' })
  kind!: DatasetKind;

  @Field(() => DatasetFormat, { description: 'File format.' })
  format!: DatasetFormat;

  @Field(() => DatasetStatus, { description: 'Where it stands.' })
  status!: DatasetStatus;

  @Field(() => Int, { nullable: true, description: 'Size in bytes: declared until uploaded, then measured.' })
  sizeBytes!: number | null;

  @Field(() => String, { nullable: true, description: 'SHA-256 of the uploaded file, hex.' })
  checksumSha256!: string | null;

  @Field(() => Int, { nullable: true, description: 'Records found by validation.' })
  recordCount!: number | null;

  @Field(() => Int, { nullable: true, description: 'Question-answer pairs among them.' })
  qaPairCount!: number | null;

  @Field(() => Date, { nullable: true, description: 'When the uploaded original was destroyed (by validation, before the dataset became READY or INVALID; or on deletion).' })
  rawDeletedAt!: Date | null;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;

  @Field({ description: 'When it last changed.' })
  updatedAt!: Date;
}

@ObjectType({ description: 'How many findings of one kind of personal data validation redacted.' })
export class PiiFinding {
  @Field(() => PiiType, { description: 'The kind.' })
  type!: PiiType;

  @Field(() => Int, { description: 'How many were found (and replaced by a placeholder).' })
  count!: number;
}

@ObjectType({ description: 'A problem validation found.' })
export class DatasetIssue {
  @Field(() => Int, { nullable: true, description: '1-based line (or record) number in the uploaded file.' })
  line!: number | null;

  @Field({ description: 'What is wrong.' })
  message!: string;
}

@ObjectType({ description: 'One record as the model will see it.' })
export class DatasetRecord {
  @Field(() => String, { nullable: true, description: 'After redaction: no personal data leaves validation.' })
  question?: string | null;

  @Field(() => String, { nullable: true, description: 'The answer of a question-answer pair, redacted.' })
  answer?: string | null;

  @Field(() => String, { nullable: true, description: 'A text record, redacted.' })
  text?: string | null;
}

export const { Edge: DatasetEdge, Connection: DatasetConnection } = connectionTypes('Dataset', DatasetType, 'dataset');

@InputType({ description: 'A new dataset: declare an upload, or give the content inline.' })
export class CreateDatasetInput {
  @Field(() => ID, { description: 'The organization it belongs to.' })
  organizationId!: string;

  @Field({ description: 'Name (1 to 200 characters).' })
  name!: string;

  @Field(() => DatasetKind, { description: 'What it holds.' })
  kind!: DatasetKind;

  @Field(() => DatasetFormat, { description: 'File format.' })
  format!: DatasetFormat;

  @Field(() => Int, { nullable: true, description: 'Declared size of the upload; over the limit is refused.' })
  sizeBytes?: number | null;

  @Field(() => String, { nullable: true, description: 'Inline content (at most 1 MiB) instead of an upload: validation starts at once.' })
  content?: string | null;
}

@ObjectType({ description: 'One form field of a pre-signed POST upload, sent as given, before the file.' })
export class UploadField {
  @Field({ description: 'The form field name.' })
  name!: string;

  @Field({ description: 'Its value.' })
  value!: string;
}

@ObjectType({ description: 'A created dataset and where to upload its file (once, at most the declared size).' })
export class DatasetUpload {
  @Field(() => DatasetType, { description: 'The dataset.' })
  dataset!: unknown;

  @Field(() => String, { nullable: true, description: 'Pre-signed PUT URL; null when content was given inline. Send exactly the declared sizeBytes: completion refuses any other size.' })
  uploadUrl!: string | null;

  @Field(() => String, { nullable: true, description: 'Where to POST a multipart/form-data upload (browsers): uploadFields first, then the file as the field named "file"; null when content was given inline.' })
  uploadPostUrl!: string | null;

  @Field(() => [UploadField], { nullable: true, description: 'The form fields of the POST upload, its signed policy among them (bounded by the declared size); null when content was given inline.' })
  uploadFields!: UploadField[] | null;

  @Field(() => Date, { nullable: true, description: 'When the upload URL and the POST policy stop working.' })
  uploadExpiresAt!: Date | null;
}

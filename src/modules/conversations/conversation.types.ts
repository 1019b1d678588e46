import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PiiType } from '../datasets/dataset.types';
import { MessageRole } from './conversation.entity';

@ObjectType('ChatMessage', { description: 'One message of a conversation.' })
export class ChatMessageType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => MessageRole, { description: 'Who wrote it.' })
  role!: MessageRole;

  @Field(() => [PiiType], { description: 'Kinds of personal data removed from it before storage.' })
  redactions!: PiiType[];

  @Field({ description: 'True for the model\'s replies.' })
  aiGenerated!: boolean;

  @Field({ description: 'When.' })
  createdAt!: Date;
}

@ObjectType('Conversation', { description: 'A user\'s conversation with an influencer model.' })
export class ConversationType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field({ description: 'When it started.' })
  createdAt!: Date;
}

@ObjectType({ description: 'A message and the reply to it.' })
export class ChatTurn {
  @Field(() => ConversationType, { description: 'The conversation (new when none was given).' })
  conversation!: unknown;

  @Field(() => ChatMessageType, { description: 'The message as stored (redacted).' })
  userMessage!: unknown;

  @Field(() => ChatMessageType, { description: "The model's reply, AI-labelled." })
  reply!: unknown;

  @Field(() => String, { nullable: true, description: "Set when the user's message held personal or sensitive information." })
  sensitiveInfoWarning!: string | null;
}

@InputType({ description: 'A message to a model.' })
export class SendMessageInput {
  @Field(() => ID, { description: 'A READY model.' })
  modelId!: string;

  @Field(() => ID, { nullable: true, description: 'Continue this conversation of yours; absent: start one.' })
  conversationId?: string | null;

  @Field({ description: 'The message (1 to 2000 characters).' })
  text!: string;
}

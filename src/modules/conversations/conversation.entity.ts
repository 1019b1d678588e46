import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { InfluencerModel } from '../models/model.entity';
import { User } from '../users/user.entity';

export enum MessageRole {
  USER = 'USER',
  ASSISTANT = 'ASSISTANT',
}
registerEnumType(MessageRole, {
  name: 'MessageRole',
  description: 'Who wrote a chat message.',
  valuesConfig: {
    USER: { description: 'Written by the person.' },
    ASSISTANT: { description: 'Written by the AI model (always labelled as AI-generated).' },
  },
});

@Entity({ tableName: 'conversations' })
@Index({ properties: ['user', 'updatedAt'] })
export class Conversation {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @ManyToOne(() => InfluencerModel, { deleteRule: 'cascade' })
  model!: InfluencerModel;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/**
 * Text is stored redacted and then encrypted under the user's data key, so
 * erasing the user (or their key) takes the conversation with them.
 */
@Entity({ tableName: 'chat_messages' })
@Index({ properties: ['conversation', 'createdAt'] })
export class ChatMessage {
  [OptionalProps]?: 'createdAt' | 'redactions';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Conversation, { deleteRule: 'cascade' })
  conversation!: Conversation;

  /** The person whose conversation this is (the key the text is encrypted under). */
  @Property({ type: 'uuid', index: true })
  userId!: string;

  @Enum({ items: () => MessageRole })
  role!: MessageRole;

  @Property({ type: 'blob' })
  textEnc!: Buffer;

  @Property()
  aiGenerated!: boolean;

  @Property({ type: ArrayType })
  redactions: string[] = [];

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

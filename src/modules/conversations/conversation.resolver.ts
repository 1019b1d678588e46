import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { InfluencerModelType } from '../models/model.types';
import { ChatMessage, Conversation } from './conversation.entity';
import { ChatMessageType, ChatTurn, ConversationType, SendMessageInput } from './conversation.types';

@Resolver(() => ConversationType)
export class ConversationResolver {
  @Query(() => ConversationType, { nullable: true, description: 'One of your conversations.' })
  conversation(@Arg('id', () => ID, { description: 'The conversation\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.conversations.findOwn(ctx, id);
  }

  @Mutation(() => ChatTurn, { description: 'Sends a message to a READY model and returns its AI-labelled reply; personal data is redacted first.' })
  sendMessage(@Arg('input', () => SendMessageInput, { description: 'The model, the conversation to continue (or none for a new one) and the text.' }) input: SendMessageInput, @Ctx() ctx: Context) {
    return ctx.services.conversations.send(ctx, input);
  }

  @FieldResolver(() => InfluencerModelType, { description: 'The model talked to.' })
  model(@Root() conversation: Conversation, @Ctx() ctx: Context) {
    return ctx.loaders.modelById.load(conversation.model.id);
  }

  @FieldResolver(() => [ChatMessageType], { description: 'Messages, oldest first.' })
  messages(@Root() conversation: Conversation, @Ctx() ctx: Context) {
    return ctx.loaders.messagesByConversationId.load(conversation.id);
  }
}

@Resolver(() => ChatMessageType)
export class ChatMessageResolver {
  @FieldResolver(() => String, { description: 'As stored: personal data in user messages is redacted before storage.' })
  text(@Root() message: ChatMessage, @Ctx() ctx: Context) {
    return ctx.services.conversations.messageText(ctx, message);
  }
}

import { allow, isUser } from '../../auth/rules';

// Conversation text is the user's alone: ConversationService answers NOT_FOUND to anyone else.
export const conversationRules = {
  Query: { conversation: isUser },
  Mutation: { sendMessage: isUser },
  Conversation: allow,
  ChatMessage: allow,
  ChatTurn: allow,
};

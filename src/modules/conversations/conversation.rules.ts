import { carrier } from '../../auth/policy';
import { isUser } from '../../auth/rules';
import { chatMessagePolicy, conversationPolicy } from './conversation.policy';

export const conversationRules = {
  Query: { conversation: isUser },
  Mutation: { sendMessage: isUser },
  ...conversationPolicy.rules,
  ...chatMessagePolicy.rules,
  ChatTurn: carrier,
};

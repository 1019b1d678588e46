import { subjectPolicy } from '../../auth/policy';
import type { ChatMessage, Conversation } from './conversation.entity';

// Conversation text is its user's alone (SPEC 1): staff see it only inside the user's own export.
export const conversationPolicy = subjectPolicy<Pick<Conversation, 'user'>>('Conversation', (c) => c.user.id);
export const chatMessagePolicy = subjectPolicy<Pick<ChatMessage, 'userId'>>('ChatMessage', (m) => m.userId);

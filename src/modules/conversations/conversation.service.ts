import { readableOr404 } from '../../auth/policy';
import { isUuid } from '../../common/ids';
import { requiredText } from '../../common/validate';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { conflict, notFound } from '../../errors';
import { decryptPersonal, sealPersonal } from '../../privacy/personal-data';
import { redactPii, type PiiType } from '../../privacy/pii';
import type { Services } from '../../services';
import { InfluencerModel, ModelStatus } from '../models/model.entity';
import { respond } from '../models/retrieval-model';
import { User, UserStatus } from '../users/user.entity';
import { ChatMessage, Conversation, MessageRole } from './conversation.entity';
import { conversationPolicy } from './conversation.policy';

const PII_NAMES_KO: Record<PiiType, string> = {
  EMAIL: '이메일', PHONE: '전화번호', RESIDENT_REGISTRATION_NUMBER: '주민등록번호', CARD_NUMBER: '카드번호',
  BANK_ACCOUNT: '계좌번호', PASSPORT_NUMBER: '여권번호', IP_ADDRESS: 'IP 주소',
};

export function sensitiveInfoWarning(types: PiiType[], language: string): string | null {
  if (types.length === 0) return null;
  if (language === 'en') {
    return `Please don't share personal information in chat. We removed it (${types.map((t) => t.toLowerCase().replace(/_/g, ' ')).join(', ')}) before storing your message.`;
  }
  return `대화에 개인정보를 공유하지 마세요. 입력하신 ${types.map((t) => PII_NAMES_KO[t]).join(', ')}은(는) 저장 전에 가렸습니다.`;
}

export class ConversationService {
  constructor(private readonly deps: Pick<Services, 'models'>) {}

  /** Conversations are their user's alone (the policy): anyone else gets NOT_FOUND, staff included. */
  async findOwn(ctx: Context, id: string): Promise<Conversation> {
    return readableOr404(ctx, conversationPolicy, isUuid(id) ? await ctx.em.findOne(Conversation, id) : null, 'Conversation');
  }

  listOwn(ctx: Context, userId: string): Promise<Conversation[]> {
    return ctx.em.find(Conversation, { user: userId }, { orderBy: { updatedAt: 'desc', id: 'desc' } });
  }

  async messageText(ctx: Context, message: ChatMessage): Promise<string> {
    return (await decryptPersonal(ctx, 'ChatMessage', 'textEnc', message.userId, message.textEnc)) ?? '';
  }

  /**
   * Personal data in the message is redacted before it is stored and before
   * the model sees it; both messages are stored encrypted under the user's key.
   */
  async send(ctx: Context, input: { modelId: string; conversationId?: string | null; text: string }) {
    if (ctx.viewer.kind !== 'user') throw notFound('User');
    const userId = ctx.viewer.userId;
    const text = requiredText(input.text, 'text', 2000);
    const model = isUuid(input.modelId) ? await ctx.em.findOne(InfluencerModel, input.modelId) : null;
    if (!model) throw notFound('Model');
    if (model.status === ModelStatus.ARCHIVED || !model.activeVersionId) throw conflict('This model is not ready to chat');
    const conversation = input.conversationId
      ? await this.findOwn(ctx, input.conversationId)
      : ctx.em.create(Conversation, { user: ctx.em.getReference(User, userId), model });
    if (conversation.model.id !== model.id) throw notFound('Conversation');
    const user = await ctx.em.findOneOrFail(User, userId);
    if (user.status !== UserStatus.ACTIVE) throw notFound('User');
    const key = await ctx.keys.get(userId);
    if (!key) throw conflict('This account can no longer store conversations');

    const redacted = redactPii(text);
    const types = [...new Set(redacted.findings.map((f) => f.type))];
    const { artifact } = await this.deps.models.activeArtifact(ctx, model);
    const replyText = respond({ ...artifact, persona: model.persona }, 'REPLY', redacted.text).text;

    const [userMessage, reply] = await inTransaction(ctx.em, async () => {
      const now = Date.now();
      const mine = ctx.em.create(ChatMessage, {
        conversation, userId, role: MessageRole.USER, aiGenerated: false, redactions: types,
        textEnc: sealPersonal(key, 'ChatMessage', 'textEnc', userId, redacted.text)!, createdAt: new Date(now),
      });
      const theirs = ctx.em.create(ChatMessage, {
        conversation, userId, role: MessageRole.ASSISTANT, aiGenerated: true, redactions: [],
        textEnc: sealPersonal(key, 'ChatMessage', 'textEnc', userId, replyText)!, createdAt: new Date(now + 1),
      });
      conversation.updatedAt = new Date(now);
      return [mine, theirs] as const;
    });
    ctx.loaders.messagesByConversationId.clear(conversation.id);
    return { conversation, userMessage, reply, sensitiveInfoWarning: sensitiveInfoWarning(types, model.persona.language) };
  }
}

import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import { KeyRing } from '../../src/privacy/key-ring';
import { ArchiveModelDocument, ConversationByIdDocument, CreateModelDocument, MyConversationsDocument, SendMessageDocument, UserConversationsDocument } from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { trainedModel } from '../factories/models';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let worker: RunningWorker;
let company: Account;
let member: Account;
let modelId: string;
beforeAll(async () => {
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  company = await signUpEnterprise(server);
  member = await signUpMember(server);
  modelId = await trainedModel(server, company, [
    ['아침 루틴 추천해 주세요', '기상 후 물 한 잔과 5분 스트레칭으로 시작해 보세요.'],
    ['잠이 안 와요', '자기 1시간 전에는 휴대폰을 멀리 두고 조명을 낮춰 보세요.'],
    ['운동은 얼마나 해야 하나요?', '하루 30분 걷기부터 꾸준히 해 보세요.'],
  ]);
});
afterAll(async () => {
  await worker.close();
  await server.close();
});

describe('sendMessage', () => {
  it('given a message with personal data, then it is redacted before storage and before the model, the reply is AI-labelled and a warning is given', async () => {
    const turn = await server.gql(SendMessageDocument, { input: { modelId, text: '잠이 안 와요. 제 번호는 010-9876-5432 이고 메일은 me@example.com 이에요' } }, { token: member.token });
    expect(turn.errors).toBeUndefined();
    const { userMessage, reply, sensitiveInfoWarning, conversation } = turn.data!.sendMessage;
    expect(userMessage).toMatchObject({ role: 'USER', aiGenerated: false, text: '잠이 안 와요. 제 번호는 [PHONE] 이고 메일은 [EMAIL] 이에요' });
    expect([...userMessage.redactions].sort()).toEqual(['EMAIL', 'PHONE']);
    expect(reply).toMatchObject({ role: 'ASSISTANT', aiGenerated: true, redactions: [] });
    expect(reply.text).toContain('휴대폰을 멀리');
    expect(sensitiveInfoWarning).toMatch(/개인정보/);

    // Stored encrypted under the member's key: neither the text nor the personal data is in the table.
    const rows = await server.app.orm.em.fork().execute<{ dump: string }[]>(
      "select row_to_json(m)::text as dump from chat_messages m where conversation_id = ?", [conversation.id]);
    expect(rows).toHaveLength(2);
    for (const { dump } of rows) {
      expect(dump).not.toContain('010-9876-5432');
      expect(dump).not.toContain('잠이');
    }

    const next = await server.gql(SendMessageDocument, { input: { modelId, conversationId: conversation.id, text: '운동은 얼마나 해야 하나요?' } }, { token: member.token });
    expect(next.data!.sendMessage.sensitiveInfoWarning).toBeNull();
    const read = await server.gql(ConversationByIdDocument, { id: conversation.id }, { token: member.token });
    expect(read.data!.conversation!.messages.map((m) => m.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT']);
    expect(read.data!.conversation!.model).toEqual({ id: modelId });
    const mine = await server.gql(MyConversationsDocument, {}, { token: member.token });
    expect(mine.data!.me!.conversations.map((c) => c.id)).toContain(conversation.id);
  });

  it('given anyone but the member, then the conversation is NOT_FOUND and their conversations are not listed', async () => {
    const turn = await server.gql(SendMessageDocument, { input: { modelId, text: '아침 루틴 추천해 주세요' } }, { token: member.token });
    const id = turn.data!.sendMessage.conversation.id;
    const other = await signUpMember(server);
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    expectError(await server.gql(ConversationByIdDocument, { id }, { token: other.token }), 'NOT_FOUND');
    expectError(await server.gql(ConversationByIdDocument, { id }, { token: officer.token }), 'NOT_FOUND');
    expectError(await server.gql(ConversationByIdDocument, { id }, { token: company.token }), 'NOT_FOUND');
    expectError(await server.gql(ConversationByIdDocument, { id }), 'UNAUTHENTICATED');
    expectError(await server.gql(UserConversationsDocument, { id: member.userId }, { token: officer.token }), 'FORBIDDEN');
    // Someone else's conversation cannot be continued either.
    expectError(await server.gql(SendMessageDocument, { input: { modelId, conversationId: id, text: '안녕' } }, { token: other.token }), 'NOT_FOUND');
  });

  it('given bad input or a model that cannot answer, then the right code and nothing stored', async () => {
    const before = (await server.gql(MyConversationsDocument, {}, { token: member.token })).data!.me!.conversations.length;
    expectError(await server.gql(SendMessageDocument, { input: { modelId, text: '   ' } }, { token: member.token }), 'BAD_USER_INPUT', 'text');
    expectError(await server.gql(SendMessageDocument, { input: { modelId, text: 'x'.repeat(2001) } }, { token: member.token }), 'BAD_USER_INPUT', 'text');
    expectError(await server.gql(SendMessageDocument, { input: { modelId: 'nope', text: '안녕' } }, { token: member.token }), 'NOT_FOUND');
    const draft = await server.gql(CreateModelDocument, { input: { organizationId: company.organizationId!, name: 'draft', persona: { displayName: 'd' } } }, { token: company.token });
    expectError(await server.gql(SendMessageDocument, { input: { modelId: draft.data!.createModel.id, text: '안녕' } }, { token: member.token }), 'CONFLICT');
    expectError(await server.gql(SendMessageDocument, { input: { modelId, text: '안녕' } }), 'UNAUTHENTICATED');
    expect((await server.gql(MyConversationsDocument, {}, { token: member.token })).data!.me!.conversations).toHaveLength(before);

    const archived = await trainedModel(server, company, [['질문', '답변입니다']]);
    await server.gql(ArchiveModelDocument, { id: archived }, { token: company.token });
    expectError(await server.gql(SendMessageDocument, { input: { modelId: archived, text: '질문' } }, { token: member.token }), 'CONFLICT');
  });

  it('given the member\'s key is destroyed (crypto-shredding), then their messages can no longer be read', async () => {
    const shredded = await signUpMember(server);
    const turn = await server.gql(SendMessageDocument, { input: { modelId, text: '잠이 안 와요' } }, { token: shredded.token });
    await new KeyRing(server.app.orm.em.fork(), server.app.services.master).destroy(shredded.userId);
    const read = await server.gql(ConversationByIdDocument, { id: turn.data!.sendMessage.conversation.id }, { token: shredded.token });
    expect(read.data!.conversation!.messages.map((m) => m.text)).toEqual(['', '']);
  });
});

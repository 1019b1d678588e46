import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import {
  CheckInMissionDocument, CreateMissionTemplateDocument, CreateProductDocument, DataSubjectRequestByIdDocument, PlaceLegalHoldDocument, RecordPurchaseDocument,
  RecordRecommendationFeedbackDocument, ReleaseLegalHoldDocument, ReviewPurchaseDocument, SendMessageDocument, StartMissionDocument, SubmitDataSubjectRequestDocument,
  UpdateConsentsDocument, UpdateHealthProfileDocument, UpdateProfileDocument, UserByIdDocument,
} from '../__generated__/typed-documents';
import { type Account, PASSWORD, signUpMember } from '../factories/accounts';
import { eventually } from '../factories/models';
import type { TestServer } from '../setup/harness';

/** Everything a member can give, each value unique, so a dump can be grepped for it. */
export interface RichSubject extends Account {
  values: Record<string, string>;
  missionId: string;
  purchaseId: string;
  conversationId: string;
}

export const seoulToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date());

/**
 * A member with data in every corner: profile, consents, health profile, a
 * mission and check-in, a purchase and review, a conversation, feedback, an
 * earlier request, a released legal hold and staff reads of their profile.
 */
export async function richSubject(server: TestServer, shop: Account, modelId: string, staff: { admin: Account; officer: Account }): Promise<RichSubject> {
  const tag = randomUUID().slice(0, 8);
  const values = {
    email: `subject-${tag}@example.com`,
    name: `정보주체${tag}`,
    phone: `010-${String(Math.floor(1000 + Math.random() * 8999))}-${String(Math.floor(1000 + Math.random() * 8999))}`,
    interest: `관심사${tag}`,
    review: `리뷰본문${tag}`,
    note: `체크인메모${tag}`,
    chat: `대화본문${tag}`,
    details: `요청상세${tag}`,
    goal: `건강목표${tag}`,
  };
  const subject = await signUpMember(server, { email: values.email, name: values.name, phone: values.phone });
  const as = { token: subject.token };
  const ok = <T extends { errors?: unknown }>(r: T) => {
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r;
  };
  ok(await server.gql(UpdateProfileDocument, { input: { interests: [values.interest] } }, as));
  ok(await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }, { purpose: 'MARKETING', granted: true }, { purpose: 'PERSONALIZATION', granted: true }] }, as));
  ok(await server.gql(UpdateHealthProfileDocument, { input: { heightCm: 170, weightKg: 65, goals: [values.goal] } }, as));
  const template = ok(await server.gql(CreateMissionTemplateDocument, { input: {
    organizationId: shop.organizationId!, title: `걷기 ${tag}`, description: '하루 만 보', category: 'EXERCISE', targetValue: 10000, unit: '보', durationDays: 7, coachModelId: modelId,
  } }, { token: shop.token })).data!.createMissionTemplate;
  const missionId = ok(await server.gql(StartMissionDocument, { templateId: template.id }, as)).data!.startMission.id;
  ok(await server.gql(CheckInMissionDocument, { input: { missionId, date: seoulToday(), value: 12000, note: values.note } }, as));
  const product = ok(await server.gql(CreateProductDocument, { input: { organizationId: shop.organizationId!, name: `상품 ${tag}`, category: 'fitness', tags: ['running'], priceKrw: 30000 } }, { token: shop.token })).data!.createProduct;
  const purchaseId = ok(await server.gql(RecordPurchaseDocument, { productId: product.id, quantity: 2 }, as)).data!.recordPurchase.id;
  ok(await server.gql(ReviewPurchaseDocument, { input: { purchaseId, rating: 5, text: values.review } }, as));
  ok(await server.gql(RecordRecommendationFeedbackDocument, { kind: 'PRODUCT', itemId: product.id, action: 'CLICKED' }, as));
  const conversationId = ok(await server.gql(SendMessageDocument, { input: { modelId, text: values.chat } }, as)).data!.sendMessage.conversation.id;
  const earlier = ok(await server.gql(SubmitDataSubjectRequestDocument, { input: { type: 'PROCESSING_STATUS_NOTICE', details: values.details, password: PASSWORD } }, as)).data!.submitDataSubjectRequest;
  await eventually(async () => (await server.gql(DataSubjectRequestByIdDocument, { id: earlier.id }, as)).data?.dataSubjectRequest?.status === 'COMPLETED', 'notice');
  ok(await server.gql(UserByIdDocument, { id: subject.userId }, { token: staff.admin.token }));
  const hold = ok(await server.gql(PlaceLegalHoldDocument, { subjectId: subject.userId, reason: '분쟁 종결 확인' }, { token: staff.officer.token })).data!.placeLegalHold;
  ok(await server.gql(ReleaseLegalHoldDocument, { id: hold.id }, { token: staff.officer.token }));
  // Web visits are written in batches off the request path: stored before the test reads or exports them.
  await server.app.services.usage.flushVisits();
  return { ...subject, values, missionId, purchaseId, conversationId };
}

export const staffOf = async (server: TestServer, createStaff: (s: TestServer, r: Role.ADMIN | Role.PRIVACY_OFFICER) => Promise<Account>) => ({
  admin: await createStaff(server, Role.ADMIN),
  officer: await createStaff(server, Role.PRIVACY_OFFICER),
});

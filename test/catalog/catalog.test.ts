import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import {
  CreateApiKeyDocument, CreateMissionTemplateDocument, CreateProductDocument, MyPurchasesDocument, ProductsDocument, PublishContentDocument,
  RecommendationsDocument, RecordPurchaseDocument, RecordRecommendationFeedbackDocument, ReviewPurchaseDocument, UpdateConsentsDocument,
  UpdateHealthProfileDocument, UpdateProfileDocument, type CreateProductInput,
} from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let shop: Account;
const marker = `t${randomUUID().slice(0, 6)}`;
beforeAll(async () => {
  server = await startServer();
  shop = await signUpEnterprise(server);
});
afterAll(async () => { await server.close(); });

const product = async (name: string, tags: string[], priceKrw = 10000) => {
  const input: CreateProductInput = { organizationId: shop.organizationId!, name, category: 'fitness', tags, priceKrw };
  const result = await server.gql(CreateProductDocument, { input }, { token: shop.token });
  expect(result.errors).toBeUndefined();
  return result.data!.createProduct;
};

describe('catalog', () => {
  it('given an enterprise user or a CATALOG_WRITE key, then products and content are published; others are refused', async () => {
    const p = await product('러닝화', ['Running', '러닝']);
    expect(p).toMatchObject({ category: 'fitness', tags: ['running', '러닝'], organization: { id: shop.organizationId } });
    const listed = await server.gql(ProductsDocument, { organizationId: shop.organizationId!, first: 100 });
    expect(listed.data!.products.edges.map((e) => e.node.id)).toContain(p.id);

    const secret = (await server.gql(CreateApiKeyDocument, { organizationId: shop.organizationId!, name: 'cms', scopes: ['CATALOG_WRITE'] }, { token: shop.token })).data!.createApiKey.secret;
    const viaKey = await server.gql(CreateProductDocument, { input: { organizationId: shop.organizationId!, name: '물병', category: 'fitness', tags: [], priceKrw: 5000 } }, { apiKey: secret });
    expect(viaKey.errors).toBeUndefined();
    const content = await server.gql(PublishContentDocument, { input: { organizationId: shop.organizationId!, title: '봄 러닝 가이드', body: '천천히 시작해요', tags: ['러닝'] } }, { apiKey: secret });
    expect(content.data!.publishContent).toMatchObject({ aiGenerated: false, disclosure: null, model: null });

    const member = await signUpMember(server);
    const stranger = await signUpEnterprise(server);
    const admin = await createStaff(server, Role.ADMIN);
    const input = { organizationId: shop.organizationId!, name: 'x', category: 'x', tags: [], priceKrw: 1 };
    expectError(await server.gql(CreateProductDocument, { input }, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(CreateProductDocument, { input }, { token: admin.token }), 'FORBIDDEN');
    expectError(await server.gql(CreateProductDocument, { input }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(CreateProductDocument, { input }), 'UNAUTHENTICATED');
    expectError(await server.gql(CreateProductDocument, { input: { ...input, priceKrw: -1 } }, { token: shop.token }), 'BAD_USER_INPUT', 'priceKrw');
    expectError(await server.gql(CreateProductDocument, { input: { ...input, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } }, { token: shop.token }), 'BAD_USER_INPUT', 'tags');
    expectError(await server.gql(PublishContentDocument, { input: { organizationId: shop.organizationId!, title: 't', body: 'b', tags: [], generatedContentId: randomUUID() } }, { token: shop.token }), 'NOT_FOUND');
  });

  it('given a member, then purchases and reviews are theirs alone, with the review text encrypted', async () => {
    const p = await product('요가매트', ['요가'], 30000);
    const member = await signUpMember(server);
    const bought = await server.gql(RecordPurchaseDocument, { productId: p.id, quantity: 2 }, { token: member.token });
    expect(bought.data!.recordPurchase).toMatchObject({ quantity: 2, amountKrw: 60000, product: { id: p.id }, review: null });
    const purchaseId = bought.data!.recordPurchase.id;
    const reviewed = await server.gql(ReviewPurchaseDocument, { input: { purchaseId, rating: 5, text: '아주 좋아요' } }, { token: member.token });
    expect(reviewed.data!.reviewPurchase.review).toMatchObject({ rating: 5, text: '아주 좋아요' });
    const [row] = await server.app.orm.em.fork().execute<{ dump: string }[]>('select row_to_json(p)::text as dump from purchases p where id = ?', [purchaseId]);
    expect(row.dump).not.toContain('아주 좋아요');
    const mine = await server.gql(MyPurchasesDocument, {}, { token: member.token });
    expect(mine.data!.me!.purchases).toEqual([{ id: purchaseId, amountKrw: 60000, product: { name: '요가매트' }, review: { rating: 5, text: '아주 좋아요' } }]);

    const other = await signUpMember(server);
    expectError(await server.gql(ReviewPurchaseDocument, { input: { purchaseId, rating: 1 } }, { token: other.token }), 'NOT_FOUND');
    expectError(await server.gql(ReviewPurchaseDocument, { input: { purchaseId, rating: 6 } }, { token: member.token }), 'BAD_USER_INPUT', 'rating');
    expectError(await server.gql(RecordPurchaseDocument, { productId: p.id, quantity: 0 }, { token: member.token }), 'BAD_USER_INPUT', 'quantity');
    expectError(await server.gql(RecordPurchaseDocument, { productId: randomUUID() }, { token: member.token }), 'NOT_FOUND');
    expectError(await server.gql(RecordPurchaseDocument, { productId: p.id }), 'UNAUTHENTICATED');
  });
});

describe('recommendations', () => {
  it('given no PERSONALIZATION consent, then popular items, personalized false', async () => {
    const popular = await product(`인기상품 ${marker}`, [`pop-${marker}`]);
    for (let i = 0; i < 3; i += 1) {
      const buyer = await signUpMember(server);
      await server.gql(RecordPurchaseDocument, { productId: popular.id }, { token: buyer.token });
    }
    const member = await signUpMember(server);
    await server.gql(UpdateProfileDocument, { input: { interests: [`niche-${marker}`] } }, { token: member.token });
    await product(`틈새상품 ${marker}`, [`niche-${marker}`]);
    const result = await server.gql(RecommendationsDocument, { kind: 'PRODUCT', limit: 5 }, { token: member.token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.recommendations.personalized).toBe(false);
    expect(result.data!.recommendations.items[0].item).toMatchObject({ __typename: 'Product', id: popular.id });
    expect(result.data!.recommendations.items[0].reasons).toEqual(['많이 구매된 상품']);
  });

  it('given consent, then items matching interests and purchases rank first with reasons; bought and dismissed items are left out', async () => {
    const member = await signUpMember(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: true }] }, { token: member.token });
    await server.gql(UpdateProfileDocument, { input: { interests: [`trail-${marker}`] } }, { token: member.token });
    const match = await product(`트레일 러닝화 ${marker}`, [`trail-${marker}`, 'outdoor']);
    const bought = await product(`트레일 양말 ${marker}`, [`trail-${marker}`]);
    const dismissed = await product(`트레일 모자 ${marker}`, [`trail-${marker}`]);
    await server.gql(RecordPurchaseDocument, { productId: bought.id }, { token: member.token });
    await server.gql(RecordRecommendationFeedbackDocument, { kind: 'PRODUCT', itemId: dismissed.id, action: 'DISMISSED' }, { token: member.token });

    const result = await server.gql(RecommendationsDocument, { kind: 'PRODUCT', limit: 50 }, { token: member.token });
    const list = result.data!.recommendations;
    expect(list.personalized).toBe(true);
    expect(list.items[0].item).toMatchObject({ id: match.id });
    expect(list.items[0].reasons.join(' ')).toContain(`trail-${marker}`);
    const ids = list.items.map((i) => (i.item as { id: string }).id);
    expect(ids).not.toContain(bought.id);
    expect(ids).not.toContain(dismissed.id);
    expect(list.items.every((i, n) => n === 0 || i.score <= list.items[n - 1].score)).toBe(true);

    expectError(await server.gql(RecommendationsDocument, { kind: 'PRODUCT', limit: 51 }, { token: member.token }), 'BAD_USER_INPUT', 'limit');
    expectError(await server.gql(RecommendationsDocument, { kind: 'PRODUCT', limit: 0 }, { token: member.token }), 'BAD_USER_INPUT', 'limit');
    expectError(await server.gql(RecommendationsDocument, { kind: 'PRODUCT' }), 'UNAUTHENTICATED');
    expectError(await server.gql(RecordRecommendationFeedbackDocument, { kind: 'PRODUCT', itemId: randomUUID(), action: 'CLICKED' }, { token: member.token }), 'NOT_FOUND');
  });

  it('given MISSION recommendations, then health goals count only with HEALTH_DATA consent', async () => {
    const sleep = await server.gql(CreateMissionTemplateDocument, { input: {
      organizationId: shop.organizationId, title: `숙면 ${marker}`, description: '일찍 자요', category: 'SLEEP', targetValue: 7, unit: '시간', durationDays: 7,
    } }, { token: shop.token });
    const member = await signUpMember(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: true }, { purpose: 'HEALTH_DATA', granted: true }] }, { token: member.token });
    await server.gql(UpdateHealthProfileDocument, { input: { goals: [`숙면 ${marker}`] } }, { token: member.token });
    const withHealth = await server.gql(RecommendationsDocument, { kind: 'MISSION', limit: 50 }, { token: member.token });
    expect(withHealth.data!.recommendations.items[0].item).toMatchObject({ __typename: 'MissionTemplate', id: sleep.data!.createMissionTemplate.id });
    expect(withHealth.data!.recommendations.items[0].reasons.join(' ')).toMatch(/건강 목표/);

    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: false }] }, { token: member.token });
    const without = await server.gql(RecommendationsDocument, { kind: 'MISSION', limit: 50 }, { token: member.token });
    expect(without.data!.recommendations.personalized).toBe(true);
    expect(without.data!.recommendations.items.flatMap((i) => i.reasons).join(' ')).not.toMatch(/건강 목표/);
  });

  // The member's data key comes in the statement that decides the path (KeyRing.primeWrapped): one that cannot
  // be opened fails only the personalised path, where the interests are read; a destroyed one reads as no interests.
  it('given a member whose data key cannot be opened, then popularity still answers without consent, and personalisation fails without data', async () => {
    const member = await signUpMember(server);
    await server.gql(UpdateProfileDocument, { input: { interests: [`trail-${marker}`] } }, { token: member.token });
    // The database is shared by every test file: the damaged key is put back, or other files' walks over all users would meet it.
    const em = server.app.orm.em.fork();
    const [{ wrapped_key: original }] = await em.execute<{ wrapped_key: Buffer }[]>('select wrapped_key from subject_keys where subject_id = ?', [member.userId]);
    await em.execute("update subject_keys set wrapped_key = decode(repeat('00', 60), 'hex') where subject_id = ?", [member.userId]);
    try {
      const popular = await server.gql(RecommendationsDocument, { kind: 'PRODUCT' }, { token: member.token });
      expect(popular.errors).toBeUndefined();
      expect(popular.data!.recommendations.personalized).toBe(false);
      expect(popular.data!.recommendations.items.length).toBeGreaterThan(0);
      await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: true }] }, { token: member.token });
      const personal = await server.gql(RecommendationsDocument, { kind: 'PRODUCT' }, { token: member.token });
      expect(personal.data).toBeNull();
      expect(personal.errors!.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(personal)).not.toContain(`trail-${marker}`);
    } finally {
      await em.execute('update subject_keys set wrapped_key = ? where subject_id = ?', [original, member.userId]);
    }
  });

  it('given a member whose data key was destroyed, then personalised recommendations without interests', async () => {
    const member = await signUpMember(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: true }] }, { token: member.token });
    await server.gql(UpdateProfileDocument, { input: { interests: [`trail-${marker}`] } }, { token: member.token });
    await server.app.orm.em.fork().execute('update subject_keys set wrapped_key = null, destroyed_at = now() where subject_id = ?', [member.userId]);
    const result = await server.gql(RecommendationsDocument, { kind: 'PRODUCT', limit: 50 }, { token: member.token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.recommendations.personalized).toBe(true);
    expect(result.data!.recommendations.items.flatMap((i) => i.reasons).join(' ')).not.toContain(`trail-${marker}`);
  });

  it('given processing suspended, then not personalized', async () => {
    const member = await signUpMember(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: true }] }, { token: member.token });
    await server.app.orm.em.fork().execute('update users set processing_suspended = true where id = ?', [member.userId]);
    const result = await server.gql(RecommendationsDocument, { kind: 'CONTENT' }, { token: member.token });
    expect(result.data!.recommendations.personalized).toBe(false);
  });
});

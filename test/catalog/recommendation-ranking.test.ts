// The ranking rules of SPEC 7 on a fixed catalog, in a database of its own (so
// no other test's products or purchases move popularity): the exact order,
// scores and reasons. Written against the first implementation (which scanned
// purchases per request) and kept green by the incremental one.
import {
  CreateMissionTemplateDocument, CreateProductDocument, PublishContentDocument, RecommendationsDocument, RecordPurchaseDocument,
  RecordRecommendationFeedbackDocument, StartMissionDocument, UpdateConsentsDocument, UpdateHealthProfileDocument, UpdateProfileDocument,
  type RecommendationsQuery,
} from '../__generated__/typed-documents';
import { type Account, signUpEnterprise, signUpMember } from '../factories/accounts';
import { scratchDatabase } from '../privacy/scratch-database';
import { startServer, type TestServer } from '../setup/harness';

const scratch = scratchDatabase('ranking');
let server: TestServer;
let shop: Account;
let member: Account;
let stranger: Account;
const ids = new Map<string, string>();

const ok = <T extends { errors?: unknown; data?: unknown }>(result: T): NonNullable<T['data']> => {
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data as NonNullable<T['data']>;
};

async function product(name: string, category: string, tags: string[]) {
  const created = ok(await server.gql(CreateProductDocument, { input: { organizationId: shop.organizationId!, name, category, tags, priceKrw: 1000 } }, { token: shop.token }));
  ids.set(name, created.createProduct.id);
}
async function content(title: string, tags: string[]) {
  const created = ok(await server.gql(PublishContentDocument, { input: { organizationId: shop.organizationId!, title, body: title, tags } }, { token: shop.token }));
  ids.set(title, created.publishContent.id);
}
async function template(title: string, category: 'SLEEP' | 'EXERCISE' | 'STEPS') {
  const created = ok(await server.gql(CreateMissionTemplateDocument, { input: {
    organizationId: shop.organizationId, title, description: title, category, targetValue: 1, unit: '회', durationDays: 7,
  } }, { token: shop.token }));
  ids.set(title, created.createMissionTemplate.id);
}
const buy = async (account: Account, name: string) => ok(await server.gql(RecordPurchaseDocument, { productId: ids.get(name)! }, { token: account.token }));
const feedback = async (account: Account, kind: 'PRODUCT' | 'CONTENT' | 'MISSION', name: string, action: 'CLICKED' | 'DISMISSED') =>
  ok(await server.gql(RecordRecommendationFeedbackDocument, { kind, itemId: ids.get(name)!, action }, { token: account.token }));

async function ranking(account: Account, kind: 'PRODUCT' | 'CONTENT' | 'MISSION', limit = 50) {
  const list = ok(await server.gql(RecommendationsDocument, { kind, limit }, { token: account.token })).recommendations as RecommendationsQuery['recommendations'];
  return {
    personalized: list.personalized,
    items: list.items.map((i) => {
      const item = i.item as { name?: string; title?: string };
      return [item.name ?? item.title, i.score, i.reasons];
    }),
  };
}

beforeAll(async () => {
  await scratch.prepare();
  server = await startServer({ DATABASE_URL: scratch.url });
  shop = await signUpEnterprise(server);
  // Created in this order: among equal scores the newer item comes first.
  await product('러닝화', 'fitness', ['running', 'shoes']);
  await product('요가매트', 'fitness', ['yoga', 'mat']);
  await product('단백질 쉐이크', 'food', ['protein', 'running']);
  await product('트레일 양말', 'fitness', ['running', 'socks']);
  await product('명상 앱', 'wellness', ['meditation']);
  await product('수면 안대', 'wellness', ['sleep', 'yoga']);
  await product('물병', 'fitness', []);
  await product('견과류', 'food', ['snack']);
  await content('러닝 입문', ['running', 'beginner']);
  await content('요가 루틴', ['yoga', 'morning']);
  await content('수면 가이드', ['sleep']);
  await template('아침 걷기', 'STEPS');
  await template('숙면 습관', 'SLEEP');
  await template('저녁 스트레칭 운동', 'EXERCISE');

  // Popularity: purchases, content clicks and missions started by other members.
  const others: Account[] = [];
  for (let i = 0; i < 3; i += 1) others.push(await signUpMember(server));
  for (const other of others) {
    await buy(other, '요가매트');
    ok(await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }] }, { token: other.token }));
  }
  await buy(others[0], '수면 안대');
  await buy(others[1], '수면 안대');
  await buy(others[2], '러닝화');
  await buy(others[2], '견과류');
  await buy(others[0], '요가매트'); // a second purchase by the same member counts too
  await feedback(others[0], 'CONTENT', '수면 가이드', 'CLICKED');
  await feedback(others[1], 'CONTENT', '수면 가이드', 'CLICKED');
  await feedback(others[2], 'CONTENT', '요가 루틴', 'CLICKED');
  await feedback(others[2], 'CONTENT', '러닝 입문', 'DISMISSED'); // a dismissal is no popularity
  ok(await server.gql(StartMissionDocument, { templateId: ids.get('아침 걷기')! }, { token: others[0].token }));
  ok(await server.gql(StartMissionDocument, { templateId: ids.get('아침 걷기')! }, { token: others[1].token }));
  ok(await server.gql(StartMissionDocument, { templateId: ids.get('숙면 습관')! }, { token: others[2].token }));

  // The member: personalised, interested in running and yoga, bought socks, clicked a sleep mask, dismissed an app.
  member = await signUpMember(server);
  ok(await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: true }, { purpose: 'HEALTH_DATA', granted: true }] }, { token: member.token }));
  ok(await server.gql(UpdateProfileDocument, { input: { interests: ['running', 'Yoga'] } }, { token: member.token }));
  ok(await server.gql(UpdateHealthProfileDocument, { input: { goals: ['숙면 습관 만들기'] } }, { token: member.token }));
  await buy(member, '트레일 양말');
  await feedback(member, 'PRODUCT', '수면 안대', 'CLICKED');
  await feedback(member, 'PRODUCT', '명상 앱', 'DISMISSED');
  await feedback(member, 'CONTENT', '러닝 입문', 'CLICKED');
  // Without PERSONALIZATION consent: popularity alone.
  stranger = await signUpMember(server);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await scratch.drop();
});

describe('recommendations on a fixed catalog', () => {
  it('given no PERSONALIZATION consent, then products by popularity (log-scaled against the most bought), newest first among equals', async () => {
    expect(await ranking(stranger, 'PRODUCT')).toEqual(PRODUCTS_BY_POPULARITY);
    // limit cuts the same order.
    expect((await ranking(stranger, 'PRODUCT', 3)).items).toEqual(PRODUCTS_BY_POPULARITY.items.slice(0, 3));
  });

  it('given consent, then products by 70% tag similarity and 30% popularity, with reasons; bought and dismissed products left out', async () => {
    expect(await ranking(member, 'PRODUCT')).toEqual(PRODUCTS_FOR_MEMBER);
  });

  it('given CONTENT, then popularity is clicks, and personal signals include content clicks', async () => {
    expect(await ranking(stranger, 'CONTENT')).toEqual(CONTENT_BY_POPULARITY);
    expect(await ranking(member, 'CONTENT')).toEqual(CONTENT_FOR_MEMBER);
  });

  it('given MISSION, then popularity is missions started, and health goals count with HEALTH_DATA consent', async () => {
    expect(await ranking(stranger, 'MISSION')).toEqual(MISSIONS_BY_POPULARITY);
    expect(await ranking(member, 'MISSION')).toEqual(MISSIONS_FOR_MEMBER);
  });
});

// The expected rankings (scores rounded to 4 digits, as served), pinned from the first implementation.
const PRODUCTS_BY_POPULARITY = { personalized: false, items: [
  ['요가매트', 1, ['많이 구매된 상품']],
  ['수면 안대', 0.6826, ['많이 구매된 상품']],
  ['견과류', 0.4307, ['많이 구매된 상품']],
  ['트레일 양말', 0.4307, ['많이 구매된 상품']],
  ['러닝화', 0.4307, ['많이 구매된 상품']],
  ['물병', 0, ['많이 구매된 상품']],
  ['명상 앱', 0, ['많이 구매된 상품']],
  ['단백질 쉐이크', 0, ['많이 구매된 상품']],
] };
const PRODUCTS_FOR_MEMBER = { personalized: true, items: [
  ['요가매트', 0.6046, ["구매한 상품과 같은 'fitness'", "관심사 'yoga'와 일치"]],
  ['러닝화', 0.5557, ["구매한 상품과 같은 'fitness'", "관심사 'running'와 일치"]],
  ['수면 안대', 0.3876, ["관심을 보인 'sleep'", "관심사 'yoga'와 일치"]],
  ['단백질 쉐이크', 0.3046, ["관심사 'running'와 일치"]],
  ['물병', 0.2111, ["구매한 상품과 같은 'fitness'"]],
  ['견과류', 0.1292, ['많이 구매된 상품']],
] };
const CONTENT_BY_POPULARITY = { personalized: false, items: [
  ['수면 가이드', 1, ['많이 본 콘텐츠']],
  ['요가 루틴', 0.6309, ['많이 본 콘텐츠']],
  ['러닝 입문', 0.6309, ['많이 본 콘텐츠']],
] };
const CONTENT_FOR_MEMBER = { personalized: true, items: [
  ['러닝 입문', 0.637, ["관심사 'running'와 일치", "관심을 보인 'beginner'"]],
  ['요가 루틴', 0.4131, ["관심사 'yoga'와 일치"]],
  ['수면 가이드', 0.4055, ["관심을 보인 'sleep'"]],
] };
const MISSIONS_BY_POPULARITY = { personalized: false, items: [
  ['아침 걷기', 1, ['많이 참여한 미션']],
  ['숙면 습관', 0.6309, ['많이 참여한 미션']],
  ['저녁 스트레칭 운동', 0, ['많이 참여한 미션']],
] };
const MISSIONS_FOR_MEMBER = { personalized: true, items: [
  ['숙면 습관', 0.4593, ["관심을 보인 'sleep'", "건강 목표 '숙면'와 관련", "건강 목표 '습관'와 관련"]],
  ['아침 걷기', 0.3, ['많이 참여한 미션']],
  ['저녁 스트레칭 운동', 0, ['많이 참여한 미션']],
] };

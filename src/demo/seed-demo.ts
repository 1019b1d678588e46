import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../app';
import { Role } from '../auth/roles';
import { createStaffAccount } from '../auth/staff';
import { INITIAL_POLICY_VERSION } from '../modules/policies/policy-seed';

/** Who the demo signs in as (development data only: the demo refuses to run in production). */
export const DEMO_ACCOUNTS = {
  enterprise: { email: 'brand@demo.aimex.example', password: 'demo-brand-2026', name: '김브랜드', role: 'ENTERPRISE' },
  member: { email: 'member@demo.aimex.example', password: 'demo-member-2026', name: '이회원', role: 'MEMBER' },
  admin: { email: 'admin@demo.aimex.example', password: 'demo-admin-2026', name: '박관리', role: 'ADMIN' },
  privacyOfficer: { email: 'privacy@demo.aimex.example', password: 'demo-privacy-2026', name: '최보호', role: 'PRIVACY_OFFICER' },
} as const;

export interface DemoResult {
  created: boolean;
  organizationId: string;
  modelId: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Gql = (query: string, variables?: Record<string, unknown>, token?: string) => Promise<any>;

const REQUIRED = [{ purpose: 'TERMS_OF_SERVICE', granted: true }, { purpose: 'PERSONAL_INFO_COLLECTION', granted: true }];

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`demo: ${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Seeds a sample organization through the API itself (fastify inject, the
 * same rules as any client): products, a trained AI coach from the bundled
 * dataset (demo/coach-qa.csv), published AI-labelled content, mission
 * templates coached by the model, a member with consents and interests, and
 * staff. Needs a running worker (validation and training are jobs).
 * Idempotent: a second run finds the demo organization and changes nothing.
 */
export async function seedDemo(app: App): Promise<DemoResult> {
  const gql: Gql = async (query, variables, token) => {
    const response = await app.http.inject({
      method: 'POST', url: '/graphql', payload: { query, variables },
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const body = response.json() as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) throw new Error(`demo: ${body.errors[0].extensions?.code}: ${body.errors[0].message}`);
    return body.data;
  };
  const signIn = async (account: { email: string; password: string }) => {
    const response = await app.http.inject({
      method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' },
      payload: { query: 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken user { id organization { id } } } }', variables: { e: account.email, p: account.password } },
    });
    return (response.json() as { data?: { signIn?: { accessToken: string; user: { id: string; organization: { id: string } | null } } } }).data?.signIn ?? null;
  };

  const existing = await signIn(DEMO_ACCOUNTS.enterprise);
  if (existing?.user.organization) {
    const models = await gql('query($id: ID!) { organization(id: $id) { models(first: 1) { edges { node { id } } } } }', { id: existing.user.organization.id }, existing.accessToken);
    return { created: false, organizationId: existing.user.organization.id, modelId: models.organization.models.edges[0]?.node.id ?? '' };
  }

  const e = DEMO_ACCOUNTS.enterprise;
  const enterprise = (await gql('mutation($input: SignUpInput!) { signUp(input: $input) { accessToken user { id organization { id } } } }', {
    input: {
      email: e.email, password: e.password, name: e.name, phone: '010-2000-0001', accountType: 'ENTERPRISE', organizationName: '하루웰니스',
      department: '브랜드마케팅팀', jobTitle: '팀장', consents: REQUIRED, policyVersion: INITIAL_POLICY_VERSION,
    },
  })).signUp;
  const token: string = enterprise.accessToken;
  const organizationId: string = enterprise.user.organization.id;

  const products = [
    { name: '하루 단백질 쉐이크', category: 'NUTRITION', priceKrw: 32000, tags: ['protein', 'nutrition', 'breakfast'], description: '아침 한 끼를 가볍게.' },
    { name: '요가 매트 프로', category: 'FITNESS', priceKrw: 45000, tags: ['yoga', 'exercise', 'stretching'], description: '미끄럼 없는 6mm 매트.' },
    { name: '스마트 물병', category: 'HYDRATION', priceKrw: 28000, tags: ['hydration', 'water', 'habit'], description: '마실 때를 알려 주는 물병.' },
    { name: '숙면 안대', category: 'SLEEP', priceKrw: 15000, tags: ['sleep', 'rest'], description: '빛을 완전히 막아 주는 안대.' },
    { name: '만보기 밴드', category: 'FITNESS', priceKrw: 39000, tags: ['walking', 'steps', 'exercise'], description: '걸음 수와 심박을 기록.' },
  ];
  for (const product of products) await gql('mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }', { input: { organizationId, ...product } }, token);

  const model = (await gql('mutation($input: CreateModelInput!) { createModel(input: $input) { id } }', {
    input: {
      organizationId, name: '하루 코치', description: '건강 습관을 함께 만드는 AI 코치',
      persona: {
        displayName: '하루', bio: '매일 조금씩 건강해지는 습관을 돕는 코치', tone: '다정하고 긍정적인', speakingStyle: '짧고 친근한 존댓말',
        catchphrases: ['오늘도 한 걸음!'], brandValues: ['꾸준함', '균형'], language: 'ko',
      },
    },
  }, token)).createModel;
  const content = readFileSync(join(__dirname, '..', '..', 'demo', 'coach-qa.csv'), 'utf8');
  const dataset = (await gql('mutation($input: CreateDatasetInput!) { createDataset(input: $input) { dataset { id } } }', {
    input: { organizationId, name: '코치 QA (데모)', kind: 'QA_CONVERSATION', format: 'CSV', content },
  }, token)).createDataset.dataset;
  await until(async () => (await gql('query($id: ID!) { dataset(id: $id) { status } }', { id: dataset.id }, token)).dataset?.status === 'READY', 'dataset validation');
  const job = (await gql('mutation($input: TrainModelInput!) { trainModel(input: $input) { id } }', { input: { modelId: model.id, datasetIds: [dataset.id] } }, token)).trainModel;
  await until(async () => {
    const status = (await gql('query($id: ID!) { trainingJob(id: $id) { status } }', { id: job.id }, token)).trainingJob?.status;
    if (status === 'FAILED' || status === 'CANCELLED') throw new Error(`demo: training ended ${status}`);
    return status === 'SUCCEEDED';
  }, 'training');

  const posts: [string, string[]][] = [
    ['물 마시는 습관에 대한 짧은 글', ['hydration', 'habit']],
    ['아침 스트레칭을 권하는 글', ['stretching', 'exercise']],
    ['숙면을 위한 저녁 루틴', ['sleep', 'rest']],
  ];
  for (const [prompt, tags] of posts) {
    const generated = (await gql('mutation($input: GenerateContentInput!) { generateContent(input: $input) { id text } }', { input: { modelId: model.id, kind: 'POST', prompt } }, token)).generateContent;
    await gql('mutation($input: PublishContentInput!) { publishContent(input: $input) { id } }', {
      input: { organizationId, title: prompt, body: generated.text, tags, generatedContentId: generated.id },
    }, token);
  }

  const templates = [
    { title: '하루 만 보 걷기', category: 'STEPS', description: '7일 동안 매일 만 보를 걸어요.', durationDays: 7, targetValue: 10000, unit: '걸음' },
    { title: '물 2리터 챌린지', category: 'HYDRATION', description: '5일 동안 하루 2리터의 물을 마셔요.', durationDays: 5, targetValue: 2000, unit: 'ml' },
    { title: '7시간 숙면', category: 'SLEEP', description: '일주일 동안 7시간 이상 자요.', durationDays: 7, targetValue: 7, unit: '시간' },
  ];
  for (const template of templates) {
    await gql('mutation($input: CreateMissionTemplateInput!) { createMissionTemplate(input: $input) { id } }', { input: { organizationId, coachModelId: model.id, ...template } }, token);
  }

  const m = DEMO_ACCOUNTS.member;
  const member = (await gql('mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }', {
    input: {
      email: m.email, password: m.password, name: m.name, phone: '010-3000-0001', accountType: 'MEMBER', policyVersion: INITIAL_POLICY_VERSION,
      consents: [...REQUIRED, { purpose: 'PERSONALIZATION', granted: true }, { purpose: 'HEALTH_DATA', granted: true }, { purpose: 'MARKETING', granted: false }],
    },
  })).signUp;
  await gql('mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }', { input: { interests: ['walking', 'sleep', 'hydration'] } }, member.accessToken);

  for (const staff of [DEMO_ACCOUNTS.admin, DEMO_ACCOUNTS.privacyOfficer]) {
    await createStaffAccount(app.services, app.orm.em.fork(), {
      email: staff.email, password: staff.password, name: staff.name, phone: '010-9000-0001', role: staff.role === 'ADMIN' ? Role.ADMIN : Role.PRIVACY_OFFICER,
    });
  }
  return { created: true, organizationId, modelId: model.id };
}

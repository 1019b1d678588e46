import { Role } from '../../src/auth/roles';
import { PrivacyContactsDocument, PrivacyPoliciesDocument, PrivacyPolicyDocument, ProcessorsDocument, PublishPrivacyPolicyDocument, RetentionPoliciesDocument } from '../__generated__/typed-documents';
import { createStaff, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer({ PRIVACY_CONTACTS: JSON.stringify([{ role: 'CHIEF_PRIVACY_OFFICER', name: '이보안', department: '정보보호실', email: 'cpo@aimex.example' }]) }); });
afterAll(async () => { await server.close(); });

const DAY = 24 * 3600 * 1000;
const input = (version: string, effectiveInMs: number) => ({
  version, body: '# 개인정보 처리방침\n\n변경된 내용', summaryOfChanges: '보유기간 표 정리', effectiveAt: new Date(Date.now() + effectiveInMs).toISOString(),
});

describe('public policy information', () => {
  it('given no identity, then the policy in effect, processors, retention and contacts are served', async () => {
    const policy = await server.gql(PrivacyPolicyDocument, {});
    expect(policy.data!.privacyPolicy).toMatchObject({ version: '2026-01-01', status: 'EFFECTIVE' });
    expect(policy.data!.privacyPolicy!.body).toContain('개인정보');

    const processors = await server.gql(ProcessorsDocument, {});
    expect(processors.data!.processors.map((p) => p.name)).toEqual(['Amazon Web Services', 'RunPod', 'Hugging Face']);

    const retention = await server.gql(RetentionPoliciesDocument, {});
    const table = retention.data!.retentionPolicies.map((r) => [r.category, r.period, r.trigger, r.action]);
    expect(table).toEqual([
      ['MEMBER_PROFILE', 'P0D', 'WITHDRAWAL', 'DELETE'],
      ['SERVICE_USAGE_RECORD', 'P3Y', 'COLLECTED', 'DELETE'],
      ['MARKETING_CONSENT', 'P0D', 'CONSENT_WITHDRAWN', 'DELETE'],
      ['TRAINING_DATA', 'P0D', 'MODEL_TRAINED', 'DELETE'],
      ['CONTRACT_RECORD', 'P5Y', 'COLLECTED', 'SEPARATE'],
      ['PAYMENT_RECORD', 'P5Y', 'COLLECTED', 'SEPARATE'],
      ['COMPLAINT_RECORD', 'P3Y', 'COLLECTED', 'SEPARATE'],
      ['WEB_VISIT_LOG', 'P3M', 'COLLECTED', 'DELETE'],
      ['ACCESS_LOG', 'P2Y', 'COLLECTED', 'DELETE'],
      ['CONVERSATION_LOG', 'P1Y', 'COLLECTED', 'DELETE'],
      ['HEALTH_DATA', 'P0D', 'CONSENT_WITHDRAWN', 'DELETE'],
    ]);

    const contacts = await server.gql(PrivacyContactsDocument, {});
    expect(contacts.data!.privacyContacts).toEqual([{ role: 'CHIEF_PRIVACY_OFFICER', name: '이보안', department: '정보보호실', email: 'cpo@aimex.example', phone: null }]);
  });

  it('given an unknown version, then null', async () => {
    const policy = await server.gql(PrivacyPolicyDocument, { version: 'no-such-version' });
    expect(policy.errors).toBeUndefined();
    expect(policy.data!.privacyPolicy).toBeNull();
  });
});

describe('publishPrivacyPolicy', () => {
  it('given a PRIVACY_OFFICER, when publishing 8 days ahead, then it is SCHEDULED and the current one stays EFFECTIVE', async () => {
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    const result = await server.gql(PublishPrivacyPolicyDocument, { input: input('2026-12-08', 8 * DAY) }, { token: officer.token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.publishPrivacyPolicy).toMatchObject({ version: '2026-12-08', status: 'SCHEDULED' });
    const current = await server.gql(PrivacyPolicyDocument, {});
    expect(current.data!.privacyPolicy!.version).toBe('2026-01-01');
    const all = await server.gql(PrivacyPoliciesDocument, {});
    expect(all.data!.privacyPolicies.map((p) => [p.version, p.status])).toEqual(expect.arrayContaining([['2026-12-08', 'SCHEDULED'], ['2026-01-01', 'EFFECTIVE']]));

    const again = await server.gql(PublishPrivacyPolicyDocument, { input: input('2026-12-08', 9 * DAY) }, { token: officer.token });
    expectError(again, 'CONFLICT');
  });

  it('given an effective date under 7 days ahead, then BAD_USER_INPUT on effectiveAt and nothing is stored', async () => {
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    const result = await server.gql(PublishPrivacyPolicyDocument, { input: input('too-soon', 6 * DAY) }, { token: officer.token });
    expectError(result, 'BAD_USER_INPUT', 'effectiveAt');
    const stored = await server.gql(PrivacyPolicyDocument, { version: 'too-soon' });
    expect(stored.data!.privacyPolicy).toBeNull();
  });

  it('given a blank body, then BAD_USER_INPUT on body', async () => {
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    const result = await server.gql(PublishPrivacyPolicyDocument, { input: { ...input('blank-body', 8 * DAY), body: '  ' } }, { token: officer.token });
    expectError(result, 'BAD_USER_INPUT', 'body');
  });

  it.each([['ADMIN'], ['MEMBER']])('given a %s, then FORBIDDEN', async (role) => {
    const account = role === 'ADMIN' ? await createStaff(server, Role.ADMIN) : await signUpMember(server);
    const result = await server.gql(PublishPrivacyPolicyDocument, { input: input(`by-${role}`, 8 * DAY) }, { token: account.token });
    expectError(result, 'FORBIDDEN');
  });

  it('given no identity, then UNAUTHENTICATED', async () => {
    const result = await server.gql(PublishPrivacyPolicyDocument, { input: input('anon', 8 * DAY) });
    expectError(result, 'UNAUTHENTICATED');
  });

  it('given time passes, then statuses move SCHEDULED -> EFFECTIVE -> SUPERSEDED', async () => {
    const { policies } = server.app.services;
    const em = server.app.orm.em.fork();
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    await server.gql(PublishPrivacyPolicyDocument, { input: input('time-a', 10 * DAY) }, { token: officer.token });
    await server.gql(PublishPrivacyPolicyDocument, { input: input('time-b', 20 * DAY) }, { token: officer.token });
    const statusAt = async (offset: number) => Object.fromEntries((await policies.all(em, new Date(Date.now() + offset))).map((p) => [p.version, p.status]));
    expect(await statusAt(0)).toMatchObject({ '2026-01-01': 'EFFECTIVE', 'time-a': 'SCHEDULED', 'time-b': 'SCHEDULED' });
    expect(await statusAt(15 * DAY)).toMatchObject({ '2026-01-01': 'SUPERSEDED', 'time-a': 'EFFECTIVE', 'time-b': 'SCHEDULED' });
    expect(await statusAt(25 * DAY)).toMatchObject({ 'time-a': 'SUPERSEDED', 'time-b': 'EFFECTIVE' });
    expect((await policies.current(em, new Date(Date.now() + 25 * DAY))).version).toBe('time-b');
  });
});

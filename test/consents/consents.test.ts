import { ConsentPurposesDocument, MeDocument, UpdateConsentsDocument, UserConsentHistoryDocument, UserByIdDocument } from '../__generated__/typed-documents';
import { createStaff, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { Role } from '../../src/auth/roles';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const consentMap = (consents: { purpose: string; granted: boolean }[]) => Object.fromEntries(consents.map((c) => [c.purpose, c.granted]));

describe('consentPurposes', () => {
  it('given no identity, then all seven purposes with required and sensitive flags are listed in order', async () => {
    const result = await server.gql(ConsentPurposesDocument, {});
    expect(result.errors).toBeUndefined();
    const purposes = result.data!.consentPurposes;
    expect(purposes.map((p) => p.purpose)).toEqual([
      'TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION', 'MARKETING', 'PERSONALIZATION', 'HEALTH_DATA', 'CONVERSATION_ANALYSIS', 'THIRD_PARTY_PROVISION',
    ]);
    expect(purposes.filter((p) => p.required).map((p) => p.purpose)).toEqual(['TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION']);
    expect(purposes.filter((p) => p.sensitive).map((p) => p.purpose)).toEqual(['HEALTH_DATA']);
    for (const p of purposes) {
      expect(p.title.length).toBeGreaterThan(0);
      expect(p.items.length).toBeGreaterThan(0);
      expect(p.retention.length).toBeGreaterThan(0);
    }
  });
});

describe('updateConsents', () => {
  it('given a member, when consents change, then events are appended with channel and the state follows', async () => {
    const member = await signUpMember(server);
    const result = await server.gql(UpdateConsentsDocument, {
      consents: [{ purpose: 'MARKETING', granted: true }, { purpose: 'HEALTH_DATA', granted: true }],
      channel: 'MOBILE',
    }, { token: member.token });
    expect(result.errors).toBeUndefined();
    expect(consentMap(result.data!.updateConsents)).toMatchObject({ MARKETING: true, HEALTH_DATA: true, PERSONALIZATION: false });

    const withdrawn = await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'MARKETING', granted: false }] }, { token: member.token });
    expect(consentMap(withdrawn.data!.updateConsents)).toMatchObject({ MARKETING: false, HEALTH_DATA: true });

    const me = await server.gql(MeDocument, {}, { token: member.token });
    const marketing = me.data!.me!.consentHistory.filter((e) => e.purpose === 'MARKETING');
    expect(marketing.map((e) => [e.granted, e.channel])).toEqual([[false, 'WEB'], [true, 'MOBILE'], [false, 'WEB']]);
    const [{ count }] = await server.app.orm.em.fork().execute(
      "select count(*)::int as count from usage_events where user_id = ? and type = 'CONSENT_CHANGE'", [member.userId]);
    expect(count).toBe(2);
  });

  it('given an unchanged decision, then no event is appended', async () => {
    const member = await signUpMember(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: false }] }, { token: member.token });
    const me = await server.gql(MeDocument, {}, { token: member.token });
    expect(me.data!.me!.consentHistory).toHaveLength(7);
  });

  it.each(['TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION'] as const)('given a required purpose %s, when withdrawn, then BAD_USER_INPUT and nothing changes', async (purpose) => {
    const member = await signUpMember(server);
    const result = await server.gql(UpdateConsentsDocument, {
      consents: [{ purpose: 'MARKETING', granted: true }, { purpose, granted: false }],
    }, { token: member.token });
    expectError(result, 'BAD_USER_INPUT', 'consents');
    const me = await server.gql(MeDocument, {}, { token: member.token });
    expect(consentMap(me.data!.me!.consents)).toMatchObject({ [purpose]: true, MARKETING: false });
  });

  it('given a purpose twice, then BAD_USER_INPUT', async () => {
    const member = await signUpMember(server);
    const result = await server.gql(UpdateConsentsDocument, {
      consents: [{ purpose: 'MARKETING', granted: true }, { purpose: 'MARKETING', granted: false }],
    }, { token: member.token });
    expectError(result, 'BAD_USER_INPUT', 'consents');
  });

  it('given no identity, then UNAUTHENTICATED', async () => {
    const result = await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'MARKETING', granted: true }] });
    expectError(result, 'UNAUTHENTICATED');
  });
});

describe('consent history access', () => {
  it('given staff, then ADMIN sees current consents but not the history; PRIVACY_OFFICER sees the history', async () => {
    const member = await signUpMember(server);
    const admin = await createStaff(server, Role.ADMIN);
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    const byAdmin = await server.gql(UserConsentHistoryDocument, { id: member.userId }, { token: admin.token });
    expectError(byAdmin, 'FORBIDDEN');
    const byOfficer = await server.gql(UserConsentHistoryDocument, { id: member.userId }, { token: officer.token });
    expect(byOfficer.errors).toBeUndefined();
    expect(byOfficer.data!.user!.consentHistory).toHaveLength(7);
    const user = await server.gql(UserByIdDocument, { id: member.userId }, { token: admin.token });
    expect(user.errors).toBeUndefined();
  });
});

import { MeDocument, SignUpDocument } from '../__generated__/typed-documents';
import { signUp, signUpInput, uniqueEmail } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

describe('signUp', () => {
  it('given required consents, when a member signs up, then the account exists with its consents and tokens', async () => {
    const account = await signUp(server, { consents: [
      { purpose: 'TERMS_OF_SERVICE', granted: true },
      { purpose: 'PERSONAL_INFO_COLLECTION', granted: true },
      { purpose: 'MARKETING', granted: true },
    ] });
    const me = await server.gql(MeDocument, {}, { token: account.token });
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toMatchObject({ id: account.userId, role: 'MEMBER', status: 'ACTIVE', name: '홍길동', email: account.email, phone: '010-1234-5678' });
    const consents = Object.fromEntries(me.data!.me!.consents.map((c) => [c.purpose, c.granted]));
    expect(consents).toEqual({
      TERMS_OF_SERVICE: true, PERSONAL_INFO_COLLECTION: true, MARKETING: true, PERSONALIZATION: false,
      HEALTH_DATA: false, CONVERSATION_ANALYSIS: false, THIRD_PARTY_PROVISION: false,
    });
    expect(me.data!.me!.consentHistory).toHaveLength(7);
    expect(me.data!.me!.consentHistory.every((e) => e.channel === 'WEB' && e.policyVersion === '2026-01-01')).toBe(true);
  });

  it('given a missing required consent, then BAD_USER_INPUT on consents and nothing is stored', async () => {
    const email = uniqueEmail();
    const result = await server.gql(SignUpDocument, { input: signUpInput({ email, consents: [{ purpose: 'TERMS_OF_SERVICE', granted: true }] }) });
    expectError(result, 'BAD_USER_INPUT', 'consents');
    // The same email can still sign up: nothing was half-stored.
    await expect(signUp(server, { email })).resolves.toMatchObject({ email });
  });

  it.each([
    ['a weak password', { password: 'short1' }, 'password'],
    ['a long single-class password', { password: 'abcdefghijklmnop' }, 'password'],
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['a malformed phone', { phone: '12345' }, 'phone'],
    ['a blank name', { name: '   ' }, 'name'],
    ['an old policy version', { policyVersion: '1999-01-01' }, 'policyVersion'],
    ['a staff account type', { accountType: 'ADMIN' as const }, 'accountType'],
    ['an enterprise without organization', { accountType: 'ENTERPRISE' as const }, 'organizationName'],
  ])('given %s, then BAD_USER_INPUT names the field', async (_label, overrides, field) => {
    const result = await server.gql(SignUpDocument, { input: signUpInput(overrides) });
    expectError(result, 'BAD_USER_INPUT', field);
    expect(result.data).toBeNull();
  });

  it('given an email in use (any case), then CONFLICT', async () => {
    const account = await signUp(server);
    const result = await server.gql(SignUpDocument, { input: signUpInput({ email: account.email.toUpperCase() }) });
    expectError(result, 'CONFLICT');
  });

  it('given an enterprise sign-up, then the organization is created with the user as member', async () => {
    const result = await server.gql(SignUpDocument, { input: signUpInput({ accountType: 'ENTERPRISE', organizationName: '에이아이멕스', department: '마케팅', jobTitle: '팀장' }) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.signUp.user.role).toBe('ENTERPRISE');
    expect(result.data?.signUp.user.organization?.name).toBe('에이아이멕스');
  });
});

import { MeDocument, UpdateProfileDocument, type UpdateProfileInput } from '../__generated__/typed-documents';
import { signUpEnterprise, signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { sql, usageEventTypes } from '../auth/support';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const update = (account: Account, input: UpdateProfileInput) => server.gql(UpdateProfileDocument, { input }, { token: account.token });

async function profile(account: Account) {
  const me = await server.gql(MeDocument, {}, { token: account.token });
  const { name, phone, department, jobTitle, profileImageUrl, interests } = me.data!.me!;
  return { name, phone, department, jobTitle, profileImageUrl, interests };
}

const ORIGINAL = { name: '홍길동', phone: '010-1234-5678', department: null, jobTitle: null, profileImageUrl: null, interests: [] };

describe('updateProfile', () => {
  it('given every field, then they are stored, returned and read back', async () => {
    const account = await signUpMember(server);
    const input = {
      name: '김영희', phone: '+82 10 9876 5432', department: '기획팀', jobTitle: '과장',
      profileImageUrl: 'https://cdn.example.com/avatars/kim.png', interests: ['러닝', '요가', 'nutrition'],
    };

    const result = await update(account, input);

    expect(result.errors).toBeUndefined();
    const expected = { ...input, phone: '010-9876-5432' };
    expect(result.data?.updateProfile).toEqual({ id: account.userId, ...expected });
    expect(await profile(account)).toEqual(expected);
  });

  it('given only some fields, then the others stay as they were', async () => {
    const account = await signUpEnterprise(server, { department: '마케팅팀', jobTitle: '매니저' });
    const result = await update(account, { jobTitle: '팀장' });
    expect(result.errors).toBeUndefined();
    expect(await profile(account)).toEqual({ ...ORIGINAL, department: '마케팅팀', jobTitle: '팀장' });
  });

  it('given null for optional fields, then they are cleared', async () => {
    const account = await signUpEnterprise(server, { department: '마케팅팀', jobTitle: '매니저' });
    await update(account, { profileImageUrl: 'https://cdn.example.com/a.png', interests: ['독서'] });

    const result = await update(account, { department: null, jobTitle: null, profileImageUrl: null, interests: null });

    expect(result.errors).toBeUndefined();
    expect(await profile(account)).toEqual(ORIGINAL);
  });

  it('given a change, then a PROFILE_CHANGE usage event is written; given no change, none', async () => {
    const account = await signUpMember(server);
    await update(account, {});
    expect(await usageEventTypes(server, account.userId)).toEqual(['SIGN_UP']);

    await update(account, { name: '이순신' });

    expect(await usageEventTypes(server, account.userId)).toEqual(['SIGN_UP', 'PROFILE_CHANGE']);
  });

  it('given new values, then they are stored encrypted, not in plain text', async () => {
    const account = await signUpMember(server);
    await update(account, { name: '암호화확인', interests: ['plaintext-marker-interest'] });
    const [row] = await sql<{ text: string }>(server, 'select row_to_json(u)::text as text from users u where id = ?', [account.userId]);
    expect(row.text).not.toContain('암호화확인');
    expect(row.text).not.toContain('plaintext-marker-interest');
  });

  it.each([
    ['a malformed phone', { name: '바뀌면안됨', phone: '12345' }, 'phone'],
    ['a null phone', { name: '바뀌면안됨', phone: null }, 'phone'],
    ['a blank name', { jobTitle: '바뀌면안됨', name: '   ' }, 'name'],
    ['an http image URL', { name: '바뀌면안됨', profileImageUrl: 'http://cdn.example.com/a.png' }, 'profileImageUrl'],
    ['a javascript: image URL', { name: '바뀌면안됨', profileImageUrl: 'javascript:alert(1)' }, 'profileImageUrl'],
    ['31 interests', { name: '바뀌면안됨', interests: Array.from({ length: 31 }, (_, i) => `관심사${i}`) }, 'interests'],
    ['a 51-character interest', { name: '바뀌면안됨', interests: ['x'.repeat(51)] }, 'interests'],
    ['a 101-character department', { name: '바뀌면안됨', department: '가'.repeat(101) }, 'department'],
  ])('given %s, then BAD_USER_INPUT on that field and nothing changes', async (_label, input, field) => {
    const account = await signUpMember(server);

    const result = await update(account, input as UpdateProfileInput);

    expectError(result, 'BAD_USER_INPUT', field);
    expect(result.data).toBeNull();
    expect(await profile(account)).toEqual(ORIGINAL);
    expect(await usageEventTypes(server, account.userId)).toEqual(['SIGN_UP']);
  });

  it('given 30 interests with duplicates, then they are accepted once each', async () => {
    const account = await signUpMember(server);
    const interests = [...Array.from({ length: 29 }, (_, i) => `topic-${i}`), 'topic-0'];
    const result = await update(account, { interests });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateProfile.interests).toEqual(interests.slice(0, 29));
  });

  it('given no token, then UNAUTHENTICATED', async () => {
    const result = await server.gql(UpdateProfileDocument, { input: { name: '누구' } });
    expectError(result, 'UNAUTHENTICATED');
    expect(result.data).toBeNull();
  });
});

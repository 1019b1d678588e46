import { createHash } from 'node:crypto';
import {
  AccountsWhoAmIDocument, ChangePasswordDocument, RefreshTokenDocument, SignInDocument, SignOutDocument,
} from '../__generated__/typed-documents';
import { PASSWORD, signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { decodeClaims, sql, usageEventTypes } from './support';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const NEW_PASSWORD = 'battery-staple-77';

const whoAmI = (token: string) => server.gql(AccountsWhoAmIDocument, {}, { token });
const refresh = (refreshToken: string) => server.gql(RefreshTokenDocument, { refreshToken });

async function expectTokenDead(token: string) {
  const result = await whoAmI(token);
  expect(result.status).toBe(401);
  expectError(result, 'UNAUTHENTICATED');
}

async function expectTokenAlive(token: string, userId: string) {
  const result = await whoAmI(token);
  expect(result.errors).toBeUndefined();
  expect(result.data?.me?.id).toBe(userId);
}

async function expectRefreshRefused(refreshToken: string) {
  const result = await refresh(refreshToken);
  expectError(result, 'UNAUTHENTICATED');
  expect(result.data).toBeNull();
}

async function signInAgain(account: Account, password = PASSWORD) {
  const result = await server.gql(SignInDocument, { email: account.email, password });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.signIn;
}

describe('refreshToken', () => {
  it('given a fresh refresh token, then it rotates: a new refresh token and an access token that works', async () => {
    const account = await signUpMember(server);

    const result = await refresh(account.refreshToken);

    expect(result.errors).toBeUndefined();
    const payload = result.data!.refreshToken;
    expect(payload.user.id).toBe(account.userId);
    expect(payload.refreshToken).toMatch(/^rt_/);
    expect(payload.refreshToken).not.toBe(account.refreshToken);
    // Same session family.
    expect(decodeClaims(payload.accessToken).sid).toBe(decodeClaims(account.token).sid);
    await expectTokenAlive(payload.accessToken, account.userId);
    // And the rotated one rotates again.
    const next = await refresh(payload.refreshToken);
    expect(next.errors).toBeUndefined();
    await expectTokenAlive(next.data!.refreshToken.accessToken, account.userId);
  });

  it('given a spent refresh token presented again, then UNAUTHENTICATED and the whole family is revoked', async () => {
    const account = await signUpMember(server);
    const rotated = (await refresh(account.refreshToken)).data!.refreshToken;
    await expectTokenAlive(rotated.accessToken, account.userId);

    await expectRefreshRefused(account.refreshToken);

    // The newer token of the family and its session's access tokens no longer work.
    await expectRefreshRefused(rotated.refreshToken);
    await expectTokenDead(rotated.accessToken);
    await expectTokenDead(account.token);
    const [session] = await sql<{ revokeReason: string }>(server,
      'select revoke_reason as "revokeReason" from sessions where id = ? and revoked_at is not null', [decodeClaims(account.token).sid]);
    expect(session.revokeReason).toMatch(/reuse/);
  });

  it('given a reuse in one session family, then another session of the same user lives on', async () => {
    const account = await signUpMember(server);
    const otherDevice = await signInAgain(account);
    await refresh(account.refreshToken);

    await expectRefreshRefused(account.refreshToken);

    await expectTokenAlive(otherDevice.accessToken, account.userId);
    expect((await refresh(otherDevice.refreshToken)).errors).toBeUndefined();
  });

  it('given an unknown refresh token, then UNAUTHENTICATED', async () => {
    await expectRefreshRefused('rt_this-token-was-never-issued');
    await expectRefreshRefused('');
  });

  it('given an access token in place of a refresh token, then UNAUTHENTICATED', async () => {
    const account = await signUpMember(server);
    await expectRefreshRefused(account.token);
  });

  it('given an expired refresh token, then UNAUTHENTICATED', async () => {
    const account = await signUpMember(server);
    await sql(server, "update refresh_tokens set expires_at = now() - interval '1 second' where token_hash = ?",
      [createHash('sha256').update(account.refreshToken).digest('hex')]);
    await expectRefreshRefused(account.refreshToken);
  });

  it('given any refresh token, then only its SHA-256 is stored, never the token', async () => {
    const account = await signUpMember(server);
    const rows = await sql<{ tokenHash: string }>(server,
      'select r.token_hash as "tokenHash" from refresh_tokens r join sessions s on s.id = r.session_id where s.user_id = ?', [account.userId]);
    expect(rows).toEqual([{ tokenHash: createHash('sha256').update(account.refreshToken).digest('hex') }]);
    const [{ text }] = await sql<{ text: string }>(server,
      "select coalesce(string_agg(row_to_json(r)::text, ''), '') as text from refresh_tokens r");
    expect(text).not.toContain(account.refreshToken);
  });
});

describe('signOut', () => {
  it('given a signed-in user, then the session ends: its access and refresh tokens are refused', async () => {
    const account = await signUpMember(server);
    const otherDevice = await signInAgain(account);

    const result = await server.gql(SignOutDocument, {}, { token: account.token });

    expect(result.errors).toBeUndefined();
    expect(result.data?.signOut).toBe(true);
    await expectTokenDead(account.token);
    await expectRefreshRefused(account.refreshToken);
    // Only this session: the other device stays signed in.
    await expectTokenAlive(otherDevice.accessToken, account.userId);
    expect(await usageEventTypes(server, account.userId)).toContain('SIGN_OUT');
  });

  it('given no token, then UNAUTHENTICATED', async () => {
    const result = await server.gql(SignOutDocument, {});
    expectError(result, 'UNAUTHENTICATED');
    expect(result.data).toBeNull();
  });
});

describe('changePassword', () => {
  it('given a wrong current password, then BAD_USER_INPUT on currentPassword and nothing changes', async () => {
    const account = await signUpMember(server);

    const result = await server.gql(ChangePasswordDocument, { currentPassword: 'not-my-password-1', newPassword: NEW_PASSWORD }, { token: account.token });

    expectError(result, 'BAD_USER_INPUT', 'currentPassword');
    await expectTokenAlive(account.token, account.userId);
    expect((await server.gql(SignInDocument, { email: account.email, password: PASSWORD })).errors).toBeUndefined();
    expectError(await server.gql(SignInDocument, { email: account.email, password: NEW_PASSWORD }), 'UNAUTHENTICATED');
  });

  it.each([
    ['too short', 'short1!'],
    ['one class only', 'abcdefghijklmno'],
  ])('given a weak new password (%s), then BAD_USER_INPUT on newPassword and the session lives on', async (_label, newPassword) => {
    const account = await signUpMember(server);
    const result = await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword }, { token: account.token });
    expectError(result, 'BAD_USER_INPUT', 'newPassword');
    await expectTokenAlive(account.token, account.userId);
  });

  it('given the current password as the new one, then BAD_USER_INPUT on newPassword', async () => {
    const account = await signUpMember(server);
    const result = await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: PASSWORD }, { token: account.token });
    expectError(result, 'BAD_USER_INPUT', 'newPassword');
  });

  it('given the right current password, then every session ends, the old password is refused and the new one signs in', async () => {
    const account = await signUpMember(server);
    const otherDevice = await signInAgain(account);

    const result = await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { token: account.token });

    expect(result.errors).toBeUndefined();
    expect(result.data?.changePassword).toBe(true);
    await expectTokenDead(account.token);
    await expectTokenDead(otherDevice.accessToken);
    await expectRefreshRefused(account.refreshToken);
    await expectRefreshRefused(otherDevice.refreshToken);
    expectError(await server.gql(SignInDocument, { email: account.email, password: PASSWORD }), 'UNAUTHENTICATED');
    const fresh = await signInAgain(account, NEW_PASSWORD);
    await expectTokenAlive(fresh.accessToken, account.userId);
    expect(await usageEventTypes(server, account.userId)).toContain('PASSWORD_CHANGE');
  });

  it('given no token, then UNAUTHENTICATED', async () => {
    const result = await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expectError(result, 'UNAUTHENTICATED');
  });
});

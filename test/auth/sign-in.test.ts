import { Role } from '../../src/auth/roles';
import { AccountsWhoAmIDocument, SignInDocument } from '../__generated__/typed-documents';
import { createStaff, PASSWORD, signUpMember, uniqueEmail } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { accessLogAbout, accessLogHead, sql } from './support';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const WRONG = 'wrong-password-99';

const signIn = (email: string, password: string) => server.gql(SignInDocument, { email, password });

describe('signIn', () => {
  it('given the right password, then the tokens it returns identify the account on me', async () => {
    const account = await signUpMember(server);

    const result = await signIn(account.email, PASSWORD);

    expect(result.errors).toBeUndefined();
    const payload = result.data!.signIn;
    expect(payload.user).toEqual({ id: account.userId, role: 'MEMBER' });
    expect(payload.refreshToken).not.toBe(account.refreshToken);
    expect(new Date(payload.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    const me = await server.gql(AccountsWhoAmIDocument, {}, { token: payload.accessToken });
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toEqual({ id: account.userId, role: 'MEMBER', status: 'ACTIVE' });
  });

  it('given the email in another case and with spaces, then it still signs in', async () => {
    const account = await signUpMember(server);
    const result = await signIn(`  ${account.email.toUpperCase()} `, PASSWORD);
    expect(result.errors).toBeUndefined();
    expect(result.data?.signIn.user.id).toBe(account.userId);
  });

  it('given a wrong password or an unknown email, then UNAUTHENTICATED with one and the same message', async () => {
    const account = await signUpMember(server);

    const wrongPassword = await signIn(account.email, WRONG);
    const unknownEmail = await signIn(uniqueEmail('nobody'), WRONG);

    const wrong = expectError(wrongPassword, 'UNAUTHENTICATED');
    const unknown = expectError(unknownEmail, 'UNAUTHENTICATED');
    expect(wrongPassword.data).toBeNull();
    expect(unknownEmail.data).toBeNull();
    expect(unknown.message).toBe(wrong.message);
  });

  it('given 5 failures in a row, then the account is locked: RATE_LIMITED with a retry delay, even for the right password', async () => {
    const account = await signUpMember(server);
    for (let i = 1; i <= 4; i++) expectError(await signIn(account.email, WRONG), 'UNAUTHENTICATED');

    const fifth = await signIn(account.email, WRONG);
    const sixth = await signIn(account.email, WRONG);
    const rightPassword = await signIn(account.email, PASSWORD);

    // The 5th failure locks; whichever attempt first reports it, the next ones are refused.
    const fifthCode = fifth.errors![0].extensions.code;
    expect(['UNAUTHENTICATED', 'RATE_LIMITED']).toContain(fifthCode);
    for (const result of [sixth, rightPassword]) {
      const error = expectError(result, 'RATE_LIMITED');
      expect(result.data).toBeNull();
      const retryAfter = error.extensions.retryAfterSeconds as number;
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    }
    const [row] = await sql<{ lockedUntil: Date }>(server, 'select locked_until as "lockedUntil" from users where id = ?', [account.userId]);
    expect(new Date(row.lockedUntil).getTime()).toBeGreaterThan(Date.now() + 14 * 60 * 1000);
  });

  it('given a lock that has run out, then the right password signs in again', async () => {
    const account = await signUpMember(server);
    for (let i = 0; i < 5; i++) await signIn(account.email, WRONG);
    expectError(await signIn(account.email, PASSWORD), 'RATE_LIMITED');

    // Moving the lock into the past stands in for waiting 15 minutes.
    await sql(server, "update users set locked_until = now() - interval '1 second' where id = ?", [account.userId]);

    const result = await signIn(account.email, PASSWORD);
    expect(result.errors).toBeUndefined();
    expect(result.data?.signIn.user.id).toBe(account.userId);
  });

  it('given 4 failures, a success, then 4 more failures, then the account is not locked (a success resets the count)', async () => {
    const account = await signUpMember(server);
    for (let i = 0; i < 4; i++) expectError(await signIn(account.email, WRONG), 'UNAUTHENTICATED');
    expect((await signIn(account.email, PASSWORD)).errors).toBeUndefined();

    for (let i = 0; i < 4; i++) expectError(await signIn(account.email, WRONG), 'UNAUTHENTICATED');

    const result = await signIn(account.email, PASSWORD);
    expect(result.errors).toBeUndefined();
    expect(result.data?.signIn.user.id).toBe(account.userId);
  });

  it('given 10 wrong passwords sent at once, then the lock still holds (parallel guesses are all counted)', async () => {
    const account = await signUpMember(server);

    const results = await Promise.all(Array.from({ length: 10 }, () => signIn(account.email, WRONG)));

    expect(results.every((r) => r.data === null)).toBe(true);
    expect(results.map((r) => r.errors![0].extensions.code).sort()).toEqual([...Array(6).fill('RATE_LIMITED'), ...Array(4).fill('UNAUTHENTICATED')]);
    expectError(await signIn(account.email, PASSWORD), 'RATE_LIMITED');
  });

  it('given failures on one account, then another account is not affected', async () => {
    const locked = await signUpMember(server);
    const other = await signUpMember(server);
    for (let i = 0; i < 6; i++) await signIn(locked.email, WRONG);

    const result = await signIn(other.email, PASSWORD);

    expect(result.errors).toBeUndefined();
    expect(result.data?.signIn.user.id).toBe(other.userId);
  });
});

describe('signIn access log', () => {
  it('given a member signing in and failing, then both are in the access log with the subject and the IP', async () => {
    const account = await signUpMember(server);
    const before = await accessLogHead(server);

    expectError(await signIn(account.email, WRONG), 'UNAUTHENTICATED');
    expect((await signIn(account.email, PASSWORD)).errors).toBeUndefined();

    const rows = (await accessLogAbout(server, account.userId)).filter((r) => r.sequence > before);
    expect(rows.map((r) => r.action)).toEqual(['SIGN_IN_FAILED', 'SIGN_IN']);
    for (const row of rows) {
      expect(row).toMatchObject({ subjectId: account.userId, actorId: account.userId, actorRole: 'MEMBER', ipAddress: '127.0.0.1' });
    }
  });

  it('given a staff sign-in, then it is logged as SIGN_IN with the staff role', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    const rows = await accessLogAbout(server, admin.userId);
    expect(rows.filter((r) => r.action === 'SIGN_IN')).toEqual([
      expect.objectContaining({ actorId: admin.userId, actorRole: 'ADMIN', subjectId: admin.userId, ipAddress: '127.0.0.1' }),
    ]);
  });

  it('given a locked account, then the refused attempt is logged as a failure too', async () => {
    const account = await signUpMember(server);
    for (let i = 0; i < 5; i++) await signIn(account.email, WRONG);
    const before = await accessLogHead(server);

    expectError(await signIn(account.email, PASSWORD), 'RATE_LIMITED');

    const rows = (await accessLogAbout(server, account.userId)).filter((r) => r.sequence > before);
    expect(rows).toEqual([expect.objectContaining({ action: 'SIGN_IN_FAILED', subjectId: account.userId, ipAddress: '127.0.0.1' })]);
  });

  it('given an unknown email, then a failure without subject is logged and the email itself is not', async () => {
    const email = uniqueEmail('ghost');
    const before = await accessLogHead(server);

    expectError(await signIn(email, WRONG), 'UNAUTHENTICATED');

    const rows = await sql<{ action: string; subjectId: string | null; ipAddress: string; text: string }>(server,
      `select action, subject_id as "subjectId", ip_address as "ipAddress", row_to_json(a)::text as text
       from access_log a where sequence > ? order by sequence`, [before]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'SIGN_IN_FAILED', subjectId: null, ipAddress: '127.0.0.1' });
    expect(rows[0].text).not.toContain(email);
    expect(rows[0].text).not.toContain(WRONG);
  });
});

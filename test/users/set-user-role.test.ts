import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import {
  AccountsWhoAmIDocument, RefreshTokenDocument, SetUserRoleDocument, SignInDocument, UserConsentHistoryDocument, UsersDocument,
} from '../__generated__/typed-documents';
import { createStaff, PASSWORD, signUpEnterprise, signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { accessLogAbout, accessLogHead } from '../auth/support';

let server: TestServer;
let admin: Account;
let officer: Account;
beforeAll(async () => {
  server = await startServer();
  admin = await createStaff(server, Role.ADMIN);
  officer = await createStaff(server, Role.PRIVACY_OFFICER);
});
afterAll(async () => { await server.close(); });

const setRole = (token: string, userId: string, role: Role) => server.gql(SetUserRoleDocument, { userId, role }, { token });

describe('setUserRole', () => {
  it("given ADMIN promoting a MEMBER to PRIVACY_OFFICER, then the user's sessions end and a new sign-in carries the new role", async () => {
    const member = await signUpMember(server);
    const otherDevice = await server.gql(SignInDocument, { email: member.email, password: PASSWORD });

    const result = await setRole(admin.token, member.userId, Role.PRIVACY_OFFICER);

    expect(result.errors).toBeUndefined();
    expect(result.data?.setUserRole).toEqual({ id: member.userId, role: 'PRIVACY_OFFICER' });
    for (const token of [member.token, otherDevice.data!.signIn.accessToken]) {
      const old = await server.gql(AccountsWhoAmIDocument, {}, { token });
      expect(old.status).toBe(401);
      expectError(old, 'UNAUTHENTICATED');
    }
    expectError(await server.gql(RefreshTokenDocument, { refreshToken: member.refreshToken }), 'UNAUTHENTICATED');

    const again = await server.gql(SignInDocument, { email: member.email, password: PASSWORD });
    expect(again.data?.signIn.user).toEqual({ id: member.userId, role: 'PRIVACY_OFFICER' });
    const token = again.data!.signIn.accessToken;
    expect((await server.gql(AccountsWhoAmIDocument, {}, { token })).data?.me?.role).toBe('PRIVACY_OFFICER');
    // The new role's powers are real: officers read users and consent histories.
    expect((await server.gql(UsersDocument, { first: 1 }, { token })).errors).toBeUndefined();
    expect((await server.gql(UserConsentHistoryDocument, { id: admin.userId }, { token })).errors).toBeUndefined();
  });

  it('given a role change, then an access-log UPDATE entry of the role names the ADMIN and both roles', async () => {
    const member = await signUpMember(server);
    const before = await accessLogHead(server);

    await setRole(admin.token, member.userId, Role.ADMIN);

    const updates = (await accessLogAbout(server, member.userId)).filter((r) => r.sequence > before && r.action === 'UPDATE');
    expect(updates).toEqual([expect.objectContaining({
      actorId: admin.userId, actorRole: 'ADMIN', subjectId: member.userId, fields: ['role'], ipAddress: '127.0.0.1',
      operation: 'SetUserRole', reason: 'role MEMBER -> ADMIN',
    })]);
  });

  it('given a demotion of staff to MEMBER, then the staff powers end with the sessions', async () => {
    const staff = await createStaff(server, Role.PRIVACY_OFFICER);
    const result = await setRole(admin.token, staff.userId, Role.MEMBER);
    expect(result.data?.setUserRole.role).toBe('MEMBER');
    expectError(await server.gql(UsersDocument, { first: 1 }, { token: staff.token }), 'UNAUTHENTICATED');
    const again = await server.gql(SignInDocument, { email: staff.email, password: PASSWORD });
    expectError(await server.gql(UsersDocument, { first: 1 }, { token: again.data!.signIn.accessToken }), 'FORBIDDEN');
  });

  it('given the role the user already has, then nothing changes: sessions live on and nothing is logged', async () => {
    const member = await signUpMember(server);
    const before = await accessLogHead(server);
    const result = await setRole(admin.token, member.userId, Role.MEMBER);
    expect(result.data?.setUserRole).toEqual({ id: member.userId, role: 'MEMBER' });
    expect((await server.gql(AccountsWhoAmIDocument, {}, { token: member.token })).data?.me?.id).toBe(member.userId);
    expect((await accessLogAbout(server, member.userId)).filter((r) => r.sequence > before && r.action === 'UPDATE')).toEqual([]);
  });

  it.each([
    ['PRIVACY_OFFICER', async () => officer],
    ['MEMBER', () => signUpMember(server)],
    ['ENTERPRISE', () => signUpEnterprise(server)],
  ])('given %s calling it, then FORBIDDEN and the role is unchanged', async (_label, makeCaller) => {
    const member = await signUpMember(server);
    const caller = await makeCaller();

    const result = await setRole(caller.token, member.userId, Role.ADMIN);

    expectError(result, 'FORBIDDEN');
    expect(result.data).toBeNull();
    expect((await server.gql(AccountsWhoAmIDocument, {}, { token: member.token })).data?.me?.role).toBe('MEMBER');
  });

  it('given a member trying to promote itself, then FORBIDDEN', async () => {
    const member = await signUpMember(server);
    expectError(await setRole(member.token, member.userId, Role.ADMIN), 'FORBIDDEN');
    expect((await server.gql(AccountsWhoAmIDocument, {}, { token: member.token })).data?.me?.role).toBe('MEMBER');
  });

  it('given no token, then UNAUTHENTICATED', async () => {
    const member = await signUpMember(server);
    expectError(await server.gql(SetUserRoleDocument, { userId: member.userId, role: 'ADMIN' }), 'UNAUTHENTICATED');
  });

  it('given an ADMIN changing its own role, then BAD_USER_INPUT on userId and it stays ADMIN', async () => {
    const result = await setRole(admin.token, admin.userId, Role.MEMBER);
    expectError(result, 'BAD_USER_INPUT', 'userId');
    expect((await server.gql(AccountsWhoAmIDocument, {}, { token: admin.token })).data?.me?.role).toBe('ADMIN');
  });

  it.each([
    ['an unknown UUID', () => randomUUID()],
    ['a non-UUID', () => 'not-a-uuid'],
  ])('given %s, then NOT_FOUND', async (_label, id) => {
    expectError(await setRole(admin.token, id(), Role.PRIVACY_OFFICER), 'NOT_FOUND');
  });
});

import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import {
  AccountsUserEmailDocument, AccountsUserNamesDocument, ColleagueByIdDocument, MeDocument, UserByIdDocument,
  UserConsentHistoryDocument, UserPrivateFieldsDocument,
} from '../__generated__/typed-documents';
import { createStaff, signUpEnterprise, signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { accessLogAbout, accessLogHead, sql } from '../auth/support';

let server: TestServer;
let admin: Account;
let officer: Account;
let member: Account;
let memberEmail: string;
let domain: string;
beforeAll(async () => {
  server = await startServer();
  admin = await createStaff(server, Role.ADMIN);
  officer = await createStaff(server, Role.PRIVACY_OFFICER, '이보호');
  // A local part of its own and a domain of its own, so the exact masked form is known.
  domain = `${randomUUID().slice(0, 8)}.example.com`;
  memberEmail = `hong@${domain}`;
  member = await signUpMember(server, { email: memberEmail, name: '홍길동', phone: '010-1234-5678' });
});
afterAll(async () => { await server.close(); });

/** Access-log READ entries about a subject written after a given sequence. */
async function readsAbout(subjectId: string, after: number) {
  return (await accessLogAbout(server, subjectId)).filter((r) => r.sequence > after && r.action === 'READ');
}

/** Moves an enterprise user into another organization (there is no invite mutation yet). */
async function attachToOrganization(account: Account, organizationId: string) {
  await sql(server, 'update users set organization_id = ? where id = ?', [organizationId, account.userId]);
}

describe('me', () => {
  it('given no token, then UNAUTHENTICATED', async () => {
    const result = await server.gql(MeDocument, {});
    expectError(result, 'UNAUTHENTICATED');
    expect(result.data?.me ?? null).toBeNull();
  });

  it('given a member, then its own data in full and no access-log READ entry', async () => {
    const before = await accessLogHead(server);
    const result = await server.gql(MeDocument, {}, { token: member.token });
    expect(result.errors).toBeUndefined();
    expect(result.data?.me).toMatchObject({ id: member.userId, name: '홍길동', email: memberEmail, phone: '010-1234-5678', role: 'MEMBER' });
    expect(await readsAbout(member.userId, before)).toEqual([]);
  });
});

describe('user(id) for members', () => {
  it('given its own id, then the member reads itself in full and no READ entry is written', async () => {
    const before = await accessLogHead(server);

    const result = await server.gql(UserByIdDocument, { id: member.userId }, { token: member.token });

    expect(result.errors).toBeUndefined();
    expect(result.data?.user).toMatchObject({ id: member.userId, role: 'MEMBER', status: 'ACTIVE', name: '홍길동', email: memberEmail, phone: '010-1234-5678' });
    const own = await server.gql(UserPrivateFieldsDocument, { id: member.userId }, { token: member.token });
    expect(own.errors).toBeUndefined();
    expect(own.data?.user).toEqual({ id: member.userId, interests: [], profileImageUrl: null });
    expect(await readsAbout(member.userId, before)).toEqual([]);
  });

  it("given another member's id, then NOT_FOUND (not FORBIDDEN: ids leak nothing)", async () => {
    const other = await signUpMember(server);
    const result = await server.gql(UserByIdDocument, { id: other.userId }, { token: member.token });
    expectError(result, 'NOT_FOUND');
    expect(result.errors!.map((e) => e.extensions.code)).not.toContain('FORBIDDEN');
    expect(result.data?.user ?? null).toBeNull();
  });

  it.each([
    ['a random UUID', () => randomUUID()],
    ['a non-UUID', () => 'not-a-uuid'],
    ['an empty id', () => ''],
  ])('given %s, then NOT_FOUND', async (_label, id) => {
    expectError(await server.gql(UserByIdDocument, { id: id() }, { token: member.token }), 'NOT_FOUND');
    expectError(await server.gql(UserByIdDocument, { id: id() }, { token: admin.token }), 'NOT_FOUND');
  });

  it('given no token, then UNAUTHENTICATED', async () => {
    expectError(await server.gql(UserByIdDocument, { id: member.userId }), 'UNAUTHENTICATED');
  });
});

describe('user(id) for staff', () => {
  it.each([
    ['ADMIN', () => admin],
    ['PRIVACY_OFFICER', () => officer],
  ])('given %s reading a member, then name, email and phone are masked and the read is access-logged', async (role, staff) => {
    const before = await accessLogHead(server);

    const result = await server.gql(UserByIdDocument, { id: member.userId }, { token: staff().token });

    expect(result.errors).toBeUndefined();
    expect(result.data?.user).toEqual({
      id: member.userId, role: 'MEMBER', status: 'ACTIVE', name: '홍*동', email: `h***@${domain}`, phone: '010-****-5678',
      department: null, jobTitle: null, createdAt: expect.any(String),
    });
    const reads = await readsAbout(member.userId, before);
    expect(reads).toEqual([expect.objectContaining({
      actorId: staff().userId, actorRole: role, subjectId: member.userId, ipAddress: '127.0.0.1', operation: 'UserById',
      fields: ['department', 'email', 'jobTitle', 'name', 'phone'],
    })]);
  });

  it('given staff reading only the name, then the entry lists only the name', async () => {
    const before = await accessLogHead(server);
    const result = await server.gql(AccountsUserNamesDocument, { id: member.userId }, { token: admin.token });
    expect(result.data?.user).toEqual({ id: member.userId, name: '홍*동' });
    expect((await readsAbout(member.userId, before)).map((r) => r.fields)).toEqual([['name']]);
  });

  it('given a two-letter name and a landline, then they are masked too', async () => {
    const other = await signUpMember(server, { name: '김철', phone: '02-123-4567' });
    const result = await server.gql(UserByIdDocument, { id: other.userId }, { token: admin.token });
    expect(result.data?.user).toMatchObject({ name: '김*', phone: '02-****-4567' });
    expect(result.data?.user?.email).toMatch(/^u\*\*\*@example\.com$/);
  });

  it('given staff reading an enterprise user, then department and job title are shown and logged', async () => {
    const worker = await signUpEnterprise(server, { name: '박영희', department: '영업팀', jobTitle: '대리' });
    const before = await accessLogHead(server);
    const result = await server.gql(UserByIdDocument, { id: worker.userId }, { token: officer.token });
    expect(result.data?.user).toMatchObject({ name: '박*희', department: '영업팀', jobTitle: '대리', role: 'ENTERPRISE' });
    expect((await readsAbout(worker.userId, before))[0].fields).toEqual(['department', 'email', 'jobTitle', 'name', 'phone']);
  });

  it('given staff asking for interests or profileImageUrl of another user, then FORBIDDEN and nothing about them is logged', async () => {
    for (const staff of [admin, officer]) {
      const before = await accessLogHead(server);
      const result = await server.gql(UserPrivateFieldsDocument, { id: member.userId }, { token: staff.token });
      expectError(result, 'FORBIDDEN');
      expect(result.data?.user ?? null).toBeNull();
      expect(await readsAbout(member.userId, before)).toEqual([]);
    }
  });

  it('given staff reading their own record, then it is in full and not logged as a read of another', async () => {
    const before = await accessLogHead(server);
    const result = await server.gql(UserByIdDocument, { id: admin.userId }, { token: admin.token });
    expect(result.data?.user).toMatchObject({ id: admin.userId, role: 'ADMIN', name: '김관리', phone: '010-9999-0000', email: admin.email });
    expect(await readsAbout(admin.userId, before)).toEqual([]);
  });

  it("given a user's consent history, then PRIVACY_OFFICER reads it and ADMIN is FORBIDDEN", async () => {
    const byOfficer = await server.gql(UserConsentHistoryDocument, { id: member.userId }, { token: officer.token });
    expect(byOfficer.errors).toBeUndefined();
    expect(byOfficer.data?.user?.consentHistory).toHaveLength(7);
    expectError(await server.gql(UserConsentHistoryDocument, { id: member.userId }, { token: admin.token }), 'FORBIDDEN');
  });
});

describe('user(id) for enterprise colleagues', () => {
  let alice: Account;
  let bob: Account;
  let outsider: Account;
  beforeAll(async () => {
    alice = await signUpEnterprise(server, { name: '최지수', department: '마케팅팀', jobTitle: '팀장' });
    bob = await signUpEnterprise(server, { name: '정민호', department: '개발팀', jobTitle: '선임' });
    await attachToOrganization(bob, alice.organizationId!);
    outsider = await signUpEnterprise(server);
  });

  it('given a colleague of the same organization, then name, department and job title in full', async () => {
    const before = await accessLogHead(server);
    const result = await server.gql(ColleagueByIdDocument, { id: bob.userId }, { token: alice.token });
    expect(result.errors).toBeUndefined();
    expect(result.data?.user).toEqual({ id: bob.userId, name: '정민호', department: '개발팀', jobTitle: '선임' });
    const back = await server.gql(ColleagueByIdDocument, { id: alice.userId }, { token: bob.token });
    expect(back.data?.user).toEqual({ id: alice.userId, name: '최지수', department: '마케팅팀', jobTitle: '팀장' });
    expect(await readsAbout(bob.userId, before)).toEqual([]);
  });

  it.each([
    ['email', AccountsUserEmailDocument],
    ['interests and profileImageUrl', UserPrivateFieldsDocument],
    ['phone, role and status', UserByIdDocument],
  ])("given a colleague's %s, then FORBIDDEN", async (_label, document) => {
    const result = await server.gql(document as typeof UserByIdDocument, { id: bob.userId }, { token: alice.token });
    expectError(result, 'FORBIDDEN');
    expect(JSON.stringify(result.data ?? null)).not.toContain('@example.com');
  });

  it('given a user of another organization, then NOT_FOUND', async () => {
    expectError(await server.gql(ColleagueByIdDocument, { id: bob.userId }, { token: outsider.token }), 'NOT_FOUND');
    expectError(await server.gql(ColleagueByIdDocument, { id: outsider.userId }, { token: alice.token }), 'NOT_FOUND');
  });

  it('given a member (no organization) and an enterprise user, then neither finds the other', async () => {
    expectError(await server.gql(ColleagueByIdDocument, { id: alice.userId }, { token: member.token }), 'NOT_FOUND');
    expectError(await server.gql(ColleagueByIdDocument, { id: member.userId }, { token: alice.token }), 'NOT_FOUND');
  });
});

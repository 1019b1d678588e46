import { Role } from '../../src/auth/roles';
import { UsersDocument, type UsersQuery } from '../__generated__/typed-documents';
import { createStaff, signUpEnterprise, signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { accessLogHead, sql } from '../auth/support';
import { paginate } from '../../src/common/pagination';
import { User } from '../../src/modules/users/user.entity';
import { KeyRing } from '../../src/privacy/key-ring';

let server: TestServer;
let admin: Account;
let officer: Account;
let owner: Account;
let orgMembers: string[];
beforeAll(async () => {
  server = await startServer();
  admin = await createStaff(server, Role.ADMIN);
  officer = await createStaff(server, Role.PRIVACY_OFFICER);
  // One organization of 5 people: its owner and 4 enterprise users moved into it
  // by SQL (there is no invite mutation yet).
  owner = await signUpEnterprise(server);
  const others: Account[] = [];
  for (let i = 0; i < 4; i++) others.push(await signUpEnterprise(server));
  for (const other of others) {
    await sql(server, 'update users set organization_id = ? where id = ?', [owner.organizationId, other.userId]);
  }
  orgMembers = [owner.userId, ...others.map((o) => o.userId)];
  for (let i = 0; i < 3; i++) await signUpMember(server);
});
afterAll(async () => { await server.close(); });

type Connection = UsersQuery['users'];

async function page(token: string, variables: Parameters<typeof server.gql<UsersQuery, { first?: number; after?: string | null; filter?: object | null }>>[1]) {
  const result = await server.gql(UsersDocument, variables as never, { token });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!.users as Connection;
}

/** Every page from the start, following endCursor. */
async function walk(token: string, first: number, filter?: object) {
  const pages: Connection[] = [];
  let after: string | null = null;
  for (;;) {
    const current: Connection = await page(token, { first, after, filter });
    pages.push(current);
    if (!current.pageInfo.hasNextPage) return pages;
    after = current.pageInfo.endCursor;
    // Other test files add users too: a bound only against a cursor that never moves.
    if (pages.length > 10_000) throw new Error('pagination does not end');
  }
}

describe('users', () => {
  it('given no token, then UNAUTHENTICATED', async () => {
    const result = await server.gql(UsersDocument, { first: 5 });
    expectError(result, 'UNAUTHENTICATED');
    expect(result.data).toBeNull();
  });

  it.each([
    ['MEMBER', () => signUpMember(server)],
    ['ENTERPRISE', () => signUpEnterprise(server)],
  ])('given a %s, then FORBIDDEN', async (_role, make) => {
    const account = await make();
    const result = await server.gql(UsersDocument, { first: 5 }, { token: account.token });
    expectError(result, 'FORBIDDEN');
    expect(result.data).toBeNull();
  });

  it('given staff walking every page, then each user appears exactly once, in creation order, with a right totalCount', async () => {
    const expected = (await sql<{ id: string }>(server, 'select id from users order by created_at, id')).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(7);

    const pages = await walk(officer.token, 3);

    const ids = pages.flatMap((p) => p.edges.map((e) => e.node.id));
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.length).toBe(Math.ceil(expected.length / 3));
    for (const [i, p] of pages.entries()) {
      expect(p.totalCount).toBe(expected.length);
      expect(p.pageInfo.hasNextPage).toBe(i < pages.length - 1);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
    }
  });

  it('given a filter by organization, then only its 5 members, over pages of 2 (2, 2, 1)', async () => {
    const pages = await walk(admin.token, 2, { organizationId: owner.organizationId });

    expect(pages.map((p) => p.edges.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, false]);
    expect(pages.every((p) => p.totalCount === 5)).toBe(true);
    const ids = pages.flatMap((p) => p.edges.map((e) => e.node.id));
    expect([...ids].sort()).toEqual([...orgMembers].sort());
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.role))).toEqual(Array(5).fill('ENTERPRISE'));
  });

  it('given a page that ends exactly at the last item, then hasNextPage is false', async () => {
    const result = await page(admin.token, { first: 5, filter: { organizationId: owner.organizationId } });
    expect(result.edges).toHaveLength(5);
    expect(result.pageInfo.hasNextPage).toBe(false);
    const after = await page(admin.token, { first: 5, after: result.pageInfo.endCursor, filter: { organizationId: owner.organizationId } });
    expect(after).toEqual({ totalCount: 5, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('given a filter by role, then only that role', async () => {
    const [{ n }] = await sql<{ n: number }>(server, "select count(*)::int as n from users where role = 'PRIVACY_OFFICER'");
    const result = await page(admin.token, { first: 100, filter: { role: 'PRIVACY_OFFICER' } });
    expect(result.totalCount).toBe(n);
    expect(result.edges.map((e) => e.node.role)).toEqual(Array(n).fill('PRIVACY_OFFICER'));
    expect(result.edges.map((e) => e.node.id)).toContain(officer.userId);
  });

  it('given an organizationId that is not a UUID, then an empty page', async () => {
    const result = await page(admin.token, { first: 10, filter: { organizationId: 'nope' } });
    expect(result).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('given staff listing users, then personal fields are masked and each listed subject gets a READ entry', async () => {
    const before = await accessLogHead(server);
    const result = await page(admin.token, { first: 5, filter: { organizationId: owner.organizationId } });

    for (const { node } of result.edges) {
      expect(node.name).toMatch(/^홍\*동$/);
      expect(node.email).toMatch(/^u\*\*\*@example\.com$/);
      expect(node.phone).toBe('010-****-5678');
    }
    const reads = await sql<{ subjectId: string; fields: string[]; actorId: string }>(server,
      `select subject_id as "subjectId", fields, actor_id as "actorId" from access_log where sequence > ? and action = 'READ'`, [before]);
    expect(reads.map((r) => r.subjectId).sort()).toEqual([...orgMembers].sort());
    expect(reads.every((r) => r.actorId === admin.userId && r.fields.join() === 'email,name,phone')).toBe(true);
  });

  it('given the access log refusing writes, then a staff page answers no personal data (HTTP 500); accepted again, the same page is logged once per subject', async () => {
    // The page's entries are written while its consents and organizations are still being read: the response waits for them.
    await sql(server, 'alter table access_log add constraint refuse_writes check (sequence < 0) not valid');
    let refused;
    try {
      refused = await server.raw({ query: 'query { users(first: 5) { edges { node { id name email consents { purpose } organization { id } } } } }' }, { token: admin.token });
    } finally {
      await sql(server, 'alter table access_log drop constraint refuse_writes');
    }
    expect(refused.status).toBe(500);
    expect(JSON.stringify(refused.body)).not.toMatch(/\*|@example\.com/);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');

    const before = await accessLogHead(server);
    const result = await page(admin.token, { first: 5, filter: { organizationId: owner.organizationId } });
    expect(result.edges).toHaveLength(5);
    const reads = await sql<{ subjectId: string; fields: string[] }>(server,
      `select subject_id as "subjectId", fields from access_log where sequence > ? and action = 'READ'`, [before]);
    expect(reads.map((r) => r.subjectId).sort()).toEqual([...orgMembers].sort());
    expect(reads.map((r) => r.fields.join())).toEqual(Array(5).fill('email,name,phone'));
  });

  it('given a subject reached twice in one request (the page, then its organization\'s members), then no field of it is logged twice, and every field read is logged', async () => {
    const before = await accessLogHead(server);
    const result = await server.raw({ query: `query { users(first: 5, filter: { organizationId: "${owner.organizationId}" }) {
      edges { node { id name organization { members { id name email } } } } } }` }, { token: admin.token });
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.users.edges[0].node.organization.members).toHaveLength(5);
    const reads = await sql<{ subjectId: string; fields: string[] }>(server,
      `select subject_id as "subjectId", fields from access_log where sequence > ? and action = 'READ' order by sequence`, [before]);
    for (const member of orgMembers) {
      const fields = reads.filter((r) => r.subjectId === member).flatMap((r) => r.fields);
      expect(fields.sort()).toEqual(['email', 'name']);
    }
    expect(new Set(reads.map((r) => r.subjectId))).toEqual(new Set(orgMembers));
  });

  it('given a page read as rows, then each row has its properties and its key in the ring, but no hidden property (the password hash)', async () => {
    const em = server.app.orm.em.fork();
    const keys = new KeyRing(em, server.app.services.master);
    const rows = await paginate(em, User, { organization: owner.organizationId }, 5, null, 'createdAt', 'id', { rows: true, subjectKeys: keys });
    expect(rows.edges.map((e) => e.node.id).sort()).toEqual([...orgMembers].sort());
    for (const { node } of rows.edges) {
      expect('passwordHash' in node).toBe(false);
      expect(Buffer.isBuffer(node.emailEnc)).toBe(true);
      expect(node.organization).toEqual({ id: owner.organizationId });
      expect(Object.keys(node).some((k) => k.startsWith('__'))).toBe(false);
      expect(keys.has(node.id)).toBe(true);
    }
  });

  it.each([0, -1, 101])('given first: %i, then BAD_USER_INPUT on first', async (first) => {
    const result = await server.gql(UsersDocument, { first }, { token: admin.token });
    expectError(result, 'BAD_USER_INPUT', 'first');
    expect(result.data).toBeNull();
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['JSON of the wrong shape', Buffer.from('{"a":1}').toString('base64url')],
    ['a bad date', Buffer.from('["yesterday","x"]').toString('base64url')],
    ['an id that is not a UUID', Buffer.from('["2026-01-01T00:00:00.000Z","not-a-uuid"]').toString('base64url')],
    ['a numeric id', Buffer.from('["2026-01-01T00:00:00.000Z",5]').toString('base64url')],
  ])('given a bogus cursor (%s), then BAD_USER_INPUT on after', async (_label, after) => {
    const result = await server.gql(UsersDocument, { first: 5, after }, { token: admin.token });
    expectError(result, 'BAD_USER_INPUT', 'after');
    expect(result.data).toBeNull();
  });
});

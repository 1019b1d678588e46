import { Role } from '../../src/auth/roles';
import { UsersWithMembersDocument } from '../__generated__/typed-documents';
import { createStaff } from '../factories/accounts';
import { insertOrganizationWithUsers } from '../factories/bulk';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

/** Counts the SQL statements the server sends while fn runs (the web-visit batch writer runs on its own timer, so it is left out). */
async function countStatements(fn: () => Promise<unknown>): Promise<{ count: number; statements: string[] }> {
  const knex = server.app.orm.em.getConnection().getKnex();
  const statements: string[] = [];
  const listener = (query: { sql: string }) => {
    if (!query.sql.startsWith('insert into web_visits')) statements.push(query.sql);
  };
  knex.on('query', listener);
  try {
    await fn();
  } finally {
    knex.removeListener('query', listener);
  }
  return { count: statements.length, statements };
}

describe('no N+1', () => {
  it('given 1, 10 and 100 users, then users { organization { members { id name } } } costs the same number of statements', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    // A first staff read: the server's access log learns the chain's head, so every measured append is its one statement.
    const warm = await insertOrganizationWithUsers(server.app.orm, server.app.services, 1);
    expect((await server.gql(UsersWithMembersDocument, { first: 1, filter: { organizationId: warm.organizationId } }, { token: admin.token })).errors).toBeUndefined();
    const counts: number[] = [];
    for (const size of [1, 10, 100]) {
      const { organizationId, userIds } = await insertOrganizationWithUsers(server.app.orm, server.app.services, size);
      const { count } = await countStatements(async () => {
        const result = await server.gql(UsersWithMembersDocument, { first: size, filter: { organizationId } }, { token: admin.token });
        expect(result.errors).toBeUndefined();
        const edges = result.data!.users.edges;
        expect(edges).toHaveLength(size);
        // Every member is there, masked for staff.
        expect(edges[0].node.organization!.members.map((m) => m.id).sort()).toEqual([...userIds].sort());
        expect(edges[0].node.organization!.members.every((m) => /^사\*+\d$|^사\*$/.test(m.name!) || m.name!.includes('*'))).toBe(true);
      });
      counts.push(count);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    // Session, page, organizations, members, keys, and the access-log append: a handful, not one per user.
    expect(counts[0]).toBeLessThanOrEqual(8);
  });
});

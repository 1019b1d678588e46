// Fault: the API's database connections gone (its pool closed: every query fails as when PostgreSQL is down).
import { MeDocument, ProcessorsDocument } from '../__generated__/typed-documents';
import { type Account, signUpMember } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let member: Account;
beforeAll(async () => {
  server = await startServer();
  member = await signUpMember(server);
  await server.app.orm.close(true);
});
afterAll(async () => {
  await server.close().catch(() => undefined);
});

describe('the database away', () => {
  it('given any operation (anonymous or signed in), then the same HTTP status and code, and no driver text', async () => {
    const answers = [
      await server.gql(ProcessorsDocument, {}),
      await server.gql(ProcessorsDocument, {}, { token: member.token }),
      await server.gql(MeDocument, {}, { token: member.token }),
    ];
    expect(answers.map((a) => ({ status: a.status, codes: a.errors?.map((e) => e.extensions.code) }))).toEqual(answers.map(() => ({ status: 500, codes: ['INTERNAL_SERVER_ERROR'] })));
    for (const answer of answers) {
      expect(JSON.stringify(answer.errors)).not.toMatch(/127\.0\.0\.1|5432|pool|ECONNREFUSED|postgres|knex|select /i);
    }
  });
});

// Fault: the API's database connections gone (its pool closed: every query fails as when PostgreSQL is down).
import { MeDocument, ProcessorsDocument } from '../__generated__/typed-documents';
import { type Account, signUpMember } from '../factories/accounts';
import { captureLog } from '../setup/capture';
import { startServer, type TestServer } from '../setup/harness';

const captured = captureLog('info');

let server: TestServer;
let member: Account;
beforeAll(async () => {
  server = await startServer({}, { log: captured.log });
  member = await signUpMember(server);
  await server.app.orm.close(true);
});
afterAll(async () => {
  await server.close().catch(() => undefined);
});

describe('the database away', () => {
  const answers: Awaited<ReturnType<TestServer['gql']>>[] = [];
  beforeAll(async () => {
    // Anonymous (fails in a resolver), signed in (fails while the context looks the session up), and a read of the viewer.
    answers.push(await server.gql(ProcessorsDocument, {}));
    answers.push(await server.gql(ProcessorsDocument, {}, { token: member.token }));
    answers.push(await server.gql(MeDocument, {}, { token: member.token }));
    // The request line is written when the response has gone.
    await new Promise((r) => setTimeout(r, 200));
  });

  it('given any operation (anonymous or signed in), then the same HTTP status and code, and no driver text', () => {
    expect(answers.map((a) => ({ status: a.status, codes: a.errors?.map((e) => e.extensions.code) }))).toEqual(answers.map(() => ({ status: 500, codes: ['INTERNAL_SERVER_ERROR'] })));
    for (const answer of answers) {
      expect(JSON.stringify(answer.errors)).not.toMatch(/127\.0\.0\.1|5432|pool|ECONNREFUSED|postgres|knex|select /i);
    }
  });

  it('given each failed request, then exactly one JSON error line carries its request id (wherever it failed), beside its request line, without personal data', () => {
    const ids = answers.map((a) => a.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      const mine = captured.records().filter((line) => line.requestId === id);
      expect(mine.filter((line) => line.level === 50).map((line) => line.msg)).toEqual(['request failed']);
      expect(mine.filter((line) => line.msg === 'request').map((line) => line.status)).toEqual([500]);
    }
    expect(captured.lines.join('\n')).not.toContain(member.email);
    expect(captured.lines.join('\n')).not.toContain(member.token);
  });
});

import { randomUUID } from 'node:crypto';
import { signUp } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

interface VisitRow { at: string; ip_address: string | null; operation: string | null; user_id: string | null }

/** Visits are buffered; flushing first makes every earlier request's row visible. */
async function visits(where: string, params: unknown[]): Promise<VisitRow[]> {
  await server.app.services.usage.flushVisits();
  return server.app.orm.em.fork().execute<VisitRow[]>(`select at, ip_address, operation, user_id from web_visits where ${where} order by at`, params);
}

/** An operation name no other request in the suite uses. */
const uniqueName = (label: string) => `${label}_${randomUUID().replace(/-/g, '')}`;

describe('web visits', () => {
  it('given an anonymous named operation, then one row with its time, IP and name and no user', async () => {
    const name = uniqueName('AnonymousVisit');
    const before = new Date();
    const result = await server.raw({ query: `query ${name} { processors { name } }`, operationName: name });
    const after = new Date();
    expect(result.status).toBe(200);

    const rows = await visits('operation = ?', [name]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ip_address: '127.0.0.1', operation: name, user_id: null });
    expect(new Date(rows[0].at).getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(new Date(rows[0].at).getTime()).toBeLessThanOrEqual(after.getTime());
  });

  it('given a signed-in member, then the row carries their user id', async () => {
    const account = await signUp(server);
    const name = uniqueName('MemberVisit');
    const result = await server.raw({ query: `query ${name} { me { id } }` }, { token: account.token });
    expect(result.body.data.me.id).toBe(account.userId);

    expect(await visits('operation = ?', [name])).toEqual([
      expect.objectContaining({ ip_address: '127.0.0.1', operation: name, user_id: account.userId }),
    ]);
  });

  it('given a named mutation, then it is recorded under its name', async () => {
    const account = await signUp(server);
    const name = uniqueName('SignOutVisit');
    const result = await server.raw({ query: `mutation ${name} { signOut }` }, { token: account.token });
    expect(result.body.errors).toBeUndefined();
    expect(await visits('operation = ?', [name])).toEqual([
      expect.objectContaining({ operation: name, user_id: account.userId }),
    ]);
  });

  it('given three requests, then three rows: one per request', async () => {
    const name = uniqueName('Repeated');
    for (let i = 0; i < 3; i += 1) await server.raw({ query: `query ${name} { privacyPolicy { version } }` });
    expect(await visits('operation = ?', [name])).toHaveLength(3);
  });

  it('given a document with two operations, then the one chosen by operationName is recorded', async () => {
    const [first, second] = [uniqueName('First'), uniqueName('Second')];
    const result = await server.raw({ query: `query ${first} { processors { name } } query ${second} { privacyPolicy { version } }`, operationName: second });
    expect(result.body.data).toEqual({ privacyPolicy: { version: expect.any(String) } });
    expect(await visits('operation = ?', [first])).toEqual([]);
    expect(await visits('operation = ?', [second])).toHaveLength(1);
  });

  it('given a sign-up, then its visit belongs to the account it created', async () => {
    const account = await signUp(server);
    expect(await visits('user_id = ?', [account.userId])).toEqual([
      expect.objectContaining({ operation: 'SignUp', user_id: account.userId, ip_address: '127.0.0.1' }),
    ]);
  });

  it('given an operation without a name, then the row names its first field', async () => {
    const account = await signUp(server);
    await server.raw({ query: '{ me { id } }' }, { token: account.token });
    expect((await visits('user_id = ?', [account.userId])).map((row) => row.operation).sort()).toEqual(['SignUp', 'me']);
  });
});

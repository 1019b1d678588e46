import { SignInDocument } from '../__generated__/typed-documents';
import { PASSWORD, signUpMember, uniqueEmail } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { accessLogAbout } from './support';

// Its own server: the suite turns the per-IP limit off (SIGN_IN_PER_IP_LIMIT=0), this file turns it on.
const IP_KEY = 'rl:signin-fail-ip:127.0.0.1';
const WRONG = 'wrong-password-99';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ SIGN_IN_PER_IP_LIMIT: '3' });
  await server.app.redis.del(IP_KEY);
});
afterAll(async () => {
  await server.app.redis.del(IP_KEY);
  await server.close();
});
beforeEach(async () => { await server.app.redis.del(IP_KEY); });

const signIn = (email: string, password: string) => server.gql(SignInDocument, { email, password });

describe('signIn per-IP limit', () => {
  it('given 3 failures on 3 different accounts from one IP, then the next attempt from that IP is RATE_LIMITED, right password included', async () => {
    const accounts = await Promise.all([signUpMember(server), signUpMember(server), signUpMember(server), signUpMember(server)]);
    expectError(await signIn(accounts[0].email, WRONG), 'UNAUTHENTICATED');
    expectError(await signIn(accounts[1].email, WRONG), 'UNAUTHENTICATED');
    expectError(await signIn(uniqueEmail('nobody'), WRONG), 'UNAUTHENTICATED');

    const blocked = await signIn(accounts[3].email, PASSWORD);

    const error = expectError(blocked, 'RATE_LIMITED');
    expect(blocked.data).toBeNull();
    const retryAfter = error.extensions.retryAfterSeconds as number;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // No single account reached its own lock: the refusal is the address's.
    const [row] = await server.app.orm.em.fork().execute<{ locked: number }[]>(
      'select count(*)::int as locked from users where id in (?, ?, ?, ?) and locked_until is not null', accounts.map((a) => a.userId));
    expect(row.locked).toBe(0);
    expect((await accessLogAbout(server, accounts[3].userId)).filter((r) => r.action === 'SIGN_IN')).toEqual([]);
  });

  it('given successful sign-ins only, then the address is never limited', async () => {
    const account = await signUpMember(server);
    for (let i = 0; i < 5; i++) {
      const result = await signIn(account.email, PASSWORD);
      expect(result.errors).toBeUndefined();
    }
    expect(await server.app.redis.exists(IP_KEY)).toBe(0);
  });

  it('given the window has passed (the key expired), then the address may try again', async () => {
    const account = await signUpMember(server);
    for (let i = 0; i < 3; i++) await signIn(uniqueEmail('nobody'), WRONG);
    expectError(await signIn(account.email, PASSWORD), 'RATE_LIMITED');
    expect(await server.app.redis.ttl(IP_KEY)).toBeGreaterThan(0);

    await server.app.redis.del(IP_KEY);

    const result = await signIn(account.email, PASSWORD);
    expect(result.errors).toBeUndefined();
    expect(result.data?.signIn.user.id).toBe(account.userId);
  });
});

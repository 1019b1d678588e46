import { SignInDocument } from '../__generated__/typed-documents';
import { PASSWORD, signUpMember, uniqueEmail } from '../factories/accounts';
import { startServer, type GqlResult, type TestServer } from '../setup/harness';

// The account lock must not tell which emails have accounts: an email without one is locked the same way,
// after the same number of failures, with the same answer, for the same time.
const WRONG = 'wrong-password-99';
const LOCK_SECONDS = 3;

let server: TestServer;
beforeAll(async () => {
  // A short lock so its end can be waited for; every other setting is the suite's.
  server = await startServer({ SIGN_IN_LOCK_SECONDS: String(LOCK_SECONDS) });
  await server.app.redis.ping();
});
afterAll(async () => {
  const keys = await server.app.redis.keys('rl:signin-fail-email:*');
  if (keys.length > 0) await server.app.redis.del(...keys);
  await server.close();
});

const signIn = (email: string, password: string) => server.gql(SignInDocument, { email, password });

/** What a caller can tell apart: status, code, message, whether data came back, and the retry hint. */
function answer(result: GqlResult<unknown>) {
  const error = result.errors?.[0];
  return {
    status: result.status,
    data: result.data ?? null,
    code: error?.extensions.code,
    message: error?.message,
    retryAfterSeconds: error?.extensions.retryAfterSeconds,
    retryAfterHeader: result.headers.get('retry-after'),
  };
}

describe('signIn lock for an email without an account', () => {
  it('given 6 wrong passwords on a real account and on an unknown email, then both get the same answers, RATE_LIMITED from the 5th on', async () => {
    const account = await signUpMember(server);
    const unknown = uniqueEmail('nobody');

    const real: ReturnType<typeof answer>[] = [];
    const ghost: ReturnType<typeof answer>[] = [];
    for (let i = 0; i < 6; i++) {
      real.push(answer(await signIn(account.email, WRONG)));
      ghost.push(answer(await signIn(unknown, WRONG)));
    }

    expect(ghost).toEqual(real);
    expect(real.map((a) => a.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(real[0].message).toBe('Email or password is wrong');
    expect(real[4]).toEqual({
      status: 200, data: null, code: 'RATE_LIMITED', message: 'Too many failed sign-ins; the account is locked for a while',
      retryAfterSeconds: LOCK_SECONDS, retryAfterHeader: String(LOCK_SECONDS),
    });
    expect(real[0].retryAfterHeader).toBeNull();

    // Locked, the right password is refused as any password is for the unknown email.
    expect(answer(await signIn(unknown, PASSWORD))).toEqual(answer(await signIn(account.email, PASSWORD)));
  });

  it('given both locks, when the lock time has passed, then both answer as before the lock (the account signs in again)', async () => {
    const account = await signUpMember(server);
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < 5; i++) {
      await signIn(account.email, WRONG);
      await signIn(unknown, WRONG);
    }
    expect(answer(await signIn(unknown, WRONG)).code).toBe('RATE_LIMITED');
    expect(answer(await signIn(account.email, WRONG)).code).toBe('RATE_LIMITED');

    await new Promise((resolve) => setTimeout(resolve, LOCK_SECONDS * 1000 + 200));

    // The count starts again from zero for both: 4 more failures are not a lock.
    for (let i = 0; i < 4; i++) expect(answer(await signIn(unknown, WRONG))).toEqual(answer(await signIn(account.email, WRONG)));
    expect(answer(await signIn(unknown, WRONG)).code).toBe('RATE_LIMITED');
    expect(answer(await signIn(account.email, WRONG)).code).toBe('RATE_LIMITED');
    await new Promise((resolve) => setTimeout(resolve, LOCK_SECONDS * 1000 + 200));
    expect((await signIn(account.email, PASSWORD)).data?.signIn.user.id).toBe(account.userId);
  });

  it('given 10 wrong passwords at once on an unknown email, then 6 RATE_LIMITED and 4 UNAUTHENTICATED, as for an account', async () => {
    const account = await signUpMember(server);
    const unknown = uniqueEmail('nobody');

    const codes = async (email: string) => (await Promise.all(Array.from({ length: 10 }, () => signIn(email, WRONG))))
      .map((r) => r.errors![0].extensions.code).sort();

    const expected = [...Array(6).fill('RATE_LIMITED'), ...Array(4).fill('UNAUTHENTICATED')];
    expect(await codes(unknown)).toEqual(expected);
    expect(await codes(account.email)).toEqual(expected);
  });

  it('given an unknown email in another case and with spaces, then it is the same email for the lock', async () => {
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < 4; i++) await signIn(unknown, WRONG);
    expect(answer(await signIn(`  ${unknown.toUpperCase()} `, WRONG)).code).toBe('RATE_LIMITED');
  });

  it('given a locked unknown email, then Redis holds its blind index, not the email', async () => {
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < 5; i++) await signIn(unknown, WRONG);
    const key = `rl:signin-fail-email:${server.app.services.auth.emailIndex(unknown)}`;
    expect(await server.app.redis.exists(key)).toBe(1);
    const ttl = await server.app.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LOCK_SECONDS);
    const keys = await server.app.redis.keys('*');
    expect(keys.filter((k) => k.includes(unknown) || k.includes(unknown.split('@')[0]))).toEqual([]);
  });
});

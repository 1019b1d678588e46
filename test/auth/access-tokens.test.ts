import { SignJWT } from 'jose';
import { AccountsWhoAmIDocument, UsersDocument } from '../__generated__/typed-documents';
import { signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type GqlResult, type TestServer } from '../setup/harness';
import { decodeClaims } from './support';

let server: TestServer;
let account: Account;
beforeAll(async () => {
  server = await startServer();
  account = await signUpMember(server);
});
afterAll(async () => { await server.close(); });

/** A token shaped exactly like ours, signed with the given secret. */
async function forge(secret: string, claims: { sub: string; sid: string; role: string }, expiresAtSeconds: number, issuedAtSeconds = expiresAtSeconds - 900) {
  return new SignJWT({ sid: claims.sid, role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer('aimex')
    .setAudience('aimex-api')
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(expiresAtSeconds)
    .sign(new TextEncoder().encode(secret));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const claimsOf = (a: Account) => {
  const claims = decodeClaims(a.token);
  return { sub: claims.sub as string, sid: claims.sid as string, role: claims.role as string };
};

function expectRefused(result: GqlResult<unknown>) {
  expect(result.status).toBe(401);
  expectError(result, 'UNAUTHENTICATED');
  expect(result.data ?? null).toBeNull();
}

describe('access tokens', () => {
  it('given the token from sign-up, then it is a 15-minute HS256 JWT naming the user and session', async () => {
    const claims = decodeClaims(account.token);
    expect(claims).toMatchObject({ sub: account.userId, role: 'MEMBER', iss: 'aimex', aud: 'aimex-api' });
    expect(typeof claims.sid).toBe('string');
    expect((claims.exp as number) - (claims.iat as number)).toBe(15 * 60);
    const me = await server.gql(AccountsWhoAmIDocument, {}, { token: account.token });
    expect(me.status).toBe(200);
    expect(me.data?.me?.id).toBe(account.userId);
  });

  it('given a forged token with our secret and a future expiry, then it is accepted (the forging below is faithful)', async () => {
    const token = await forge(server.app.config.jwtSecret, claimsOf(account), nowSeconds() + 600);
    const me = await server.gql(AccountsWhoAmIDocument, {}, { token });
    expect(me.errors).toBeUndefined();
    expect(me.data?.me?.id).toBe(account.userId);
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['a truncated token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0'],
  ])('given %s as bearer token, then UNAUTHENTICATED with HTTP 401', async (_label, token) => {
    expectRefused(await server.gql(AccountsWhoAmIDocument, {}, { token }));
  });

  it('given an Authorization header without the Bearer scheme, then UNAUTHENTICATED with HTTP 401', async () => {
    const result = await server.gql(AccountsWhoAmIDocument, {}, { headers: { authorization: `Token ${account.token}` } });
    expectRefused(result);
  });

  it('given an expired token, then UNAUTHENTICATED with HTTP 401', async () => {
    const token = await forge(server.app.config.jwtSecret, claimsOf(account), nowSeconds() - 60);
    expectRefused(await server.gql(AccountsWhoAmIDocument, {}, { token }));
  });

  it('given a token signed with another secret, then UNAUTHENTICATED with HTTP 401', async () => {
    const token = await forge('another-secret-of-at-least-32-characters!!', claimsOf(account), nowSeconds() + 600);
    expectRefused(await server.gql(AccountsWhoAmIDocument, {}, { token }));
  });

  it("given an unsigned token (alg none) with the account's claims, then UNAUTHENTICATED with HTTP 401", async () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const { sub, sid, role } = claimsOf(account);
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub, sid, role, iss: 'aimex', aud: 'aimex-api', iat: nowSeconds(), exp: nowSeconds() + 600 })}.`;
    expectRefused(await server.gql(AccountsWhoAmIDocument, {}, { token }));
  });

  it('given a token with our secret but an unknown session, then UNAUTHENTICATED with HTTP 401', async () => {
    const token = await forge(server.app.config.jwtSecret, { ...claimsOf(account), sid: '00000000-0000-4000-8000-000000000000' }, nowSeconds() + 600);
    expectRefused(await server.gql(AccountsWhoAmIDocument, {}, { token }));
  });

  it("given a token whose session belongs to someone else, then UNAUTHENTICATED with HTTP 401", async () => {
    const other = await signUpMember(server);
    const token = await forge(server.app.config.jwtSecret, { ...claimsOf(account), sid: claimsOf(other).sid }, nowSeconds() + 600);
    expectRefused(await server.gql(AccountsWhoAmIDocument, {}, { token }));
  });

  it('given a token claiming ADMIN for a member, then the role comes from the database: FORBIDDEN on staff queries', async () => {
    const token = await forge(server.app.config.jwtSecret, { ...claimsOf(account), role: 'ADMIN' }, nowSeconds() + 600);
    const me = await server.gql(AccountsWhoAmIDocument, {}, { token });
    expect(me.data?.me?.role).toBe('MEMBER');
    expectError(await server.gql(UsersDocument, { first: 5 }, { token }), 'FORBIDDEN');
  });
});

describe('access tokens missing a claim', () => {
  /** Our secret and every claim our tokens carry, but the one named. */
  async function forgeWithout(missing: string) {
    const { sub, sid, role } = claimsOf(account);
    const claims: Record<string, unknown> = { sub, sid, role, iss: 'aimex', aud: 'aimex-api', iat: nowSeconds(), exp: nowSeconds() + 600 };
    delete claims[missing];
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(server.app.config.jwtSecret));
  }

  it('given every claim, then the token is accepted (the forging below is faithful)', async () => {
    const me = await server.gql(AccountsWhoAmIDocument, {}, { token: await forgeWithout('none') });
    expect(me.errors).toBeUndefined();
    expect(me.data?.me?.id).toBe(account.userId);
  });

  it.each(['exp', 'iat', 'iss', 'aud', 'sub', 'sid'])('given a token without %s, then UNAUTHENTICATED with HTTP 401', async (missing) => {
    const token = await forgeWithout(missing);
    expect(decodeClaims(token)).not.toHaveProperty(missing);
    expectRefused(await server.gql(AccountsWhoAmIDocument, {}, { token }));
  });

  it('given the same claims through the token service, then only the complete token verifies', async () => {
    const tokens = server.app.services.tokens;
    expect(await tokens.verifyAccessToken(await forgeWithout('none'))).toMatchObject({ userId: account.userId });
    for (const missing of ['exp', 'iat', 'iss', 'aud', 'sub', 'sid']) expect(await tokens.verifyAccessToken(await forgeWithout(missing))).toBeNull();
  });
});

describe('access tokens with a 1-second lifetime', () => {
  let shortLived: TestServer;
  beforeAll(async () => { shortLived = await startServer({ ACCESS_TOKEN_TTL_SECONDS: '1' }); });
  afterAll(async () => { await shortLived.close(); });

  it('given a token issued by the server, when its lifetime has passed, then UNAUTHENTICATED with HTTP 401', async () => {
    const member = await signUpMember(shortLived);
    const claims = decodeClaims(member.token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 2100));

    const result = await shortLived.gql(AccountsWhoAmIDocument, {}, { token: member.token });
    expect(result.status).toBe(401);
    expectError(result, 'UNAUTHENTICATED');
  });
});

import { AccountsWhoAmIDocument, CreateApiKeyDocument, OrganizationDocument } from '../__generated__/typed-documents';
import { signUpEnterprise, signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type GqlResult, type TestServer } from '../setup/harness';

// Its own server: the suite turns request limits off (RATE_LIMIT_PER_MINUTE=0), this file turns them on,
// small: 10 requests a minute per IP (before authentication), 3 per account or key (after it).
const PER_IP = 10;
const PER_IDENTITY = 3;
const IP_KEY = 'rl:req-ip:127.0.0.1';

let server: TestServer;
let owner: Account;
let apiKey: { id: string; secret: string };

/** Stands in for the minute passing: the next request starts a new window. */
async function newWindow(): Promise<void> {
  const identityKeys = await server.app.redis.keys('rl:req-id:*');
  await server.app.redis.del(IP_KEY, ...identityKeys);
}

beforeAll(async () => {
  server = await startServer({ RATE_LIMIT_PER_IP_PER_MINUTE: String(PER_IP), RATE_LIMIT_PER_MINUTE: String(PER_IDENTITY) });
  await server.app.redis.ping(); // connected, so nothing below is counted by the in-memory insurance
  await newWindow();
  owner = await signUpEnterprise(server);
  const created = await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'flood', scopes: ['MODELS_READ'] }, { token: owner.token });
  apiKey = { id: created.data!.createApiKey.apiKey.id, secret: created.data!.createApiKey.secret };
});
afterAll(async () => {
  await newWindow();
  await server.close();
});
beforeEach(newWindow);
afterEach(() => jest.restoreAllMocks());

const lastUsedAt = async (id: string): Promise<Date | null> => {
  const [row] = await server.app.orm.em.fork().execute<{ lastUsedAt: Date | null }[]>('select last_used_at as "lastUsedAt" from api_keys where id = ?', [id]);
  return row.lastUsedAt;
};

function expectLimited(result: GqlResult<unknown>) {
  expect(result.status).toBe(429);
  expect(result.data ?? null).toBeNull();
  const error = expectError(result, 'RATE_LIMITED');
  const retryAfter = Number(result.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(error.extensions.retryAfterSeconds).toBe(retryAfter);
  return error;
}

describe('per IP, before authentication', () => {
  it('the server runs with the limits from the environment', () => {
    expect(server.app.config.requestsPerIpPerMinute).toBe(PER_IP);
    expect(server.app.config.requestsPerMinute).toBe(PER_IDENTITY);
  });

  it('given a flood of requests with a bad API key, then 429 RATE_LIMITED with Retry-After, and then even the valid key is refused without being looked up', async () => {
    const authenticate = jest.spyOn(server.app.services.apiKeys, 'authenticate');
    const results = [];
    for (let i = 0; i < PER_IP + 5; i++) results.push(await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: 'garbage' }));

    expect(results.map((r) => r.status)).toEqual([...Array(PER_IP).fill(401), ...Array(5).fill(429)]);
    for (const result of results.slice(PER_IP)) {
      const error = expectLimited(result);
      expect(error.message).toBe('Too many requests from this address; slow down');
    }
    // Counted before authentication: the refused requests never reached the key look-up.
    expect(authenticate).toHaveBeenCalledTimes(PER_IP);

    const valid = await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: apiKey.secret });
    expectLimited(valid);
    expect(authenticate).toHaveBeenCalledTimes(PER_IP);
    expect(await lastUsedAt(apiKey.id)).toBeNull();

    await newWindow();
    const later = await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: apiKey.secret });
    expect(later.status).toBe(200);
    expect(later.data?.organization?.id).toBe(owner.organizationId);
    expect(await lastUsedAt(apiKey.id)).not.toBeNull();
  });

  it('given a flood of requests with a bad bearer token, then 429 RATE_LIMITED, and then even a valid token is refused before it is verified', async () => {
    const member = await signUpMember(server);
    await newWindow();
    const verify = jest.spyOn(server.app.services.tokens, 'verifyAccessToken');
    const viewerFor = jest.spyOn(server.app.services.sessions, 'viewerFor');
    const bad = `${member.token.slice(0, -4)}AAAA`; // right shape, wrong signature
    const results = await Promise.all(Array.from({ length: PER_IP + 5 }, () => server.gql(AccountsWhoAmIDocument, {}, { token: bad })));

    expect(results.map((r) => r.status).sort()).toEqual([...Array(PER_IP).fill(401), ...Array(5).fill(429)]);
    results.filter((r) => r.status === 429).forEach(expectLimited);
    expect(verify).toHaveBeenCalledTimes(PER_IP);

    expectLimited(await server.gql(AccountsWhoAmIDocument, {}, { token: member.token }));
    expect(verify).toHaveBeenCalledTimes(PER_IP);
    expect(viewerFor).not.toHaveBeenCalled();

    await newWindow();
    const later = await server.gql(AccountsWhoAmIDocument, {}, { token: member.token });
    expect(later.status).toBe(200);
    expect(later.data?.me?.id).toBe(member.userId);
  });

  it('given anonymous requests, then they are counted per IP too', async () => {
    const results = [];
    for (let i = 0; i <= PER_IP; i++) results.push(await server.raw({ query: '{ processors { name } }' }));
    expect(results.slice(0, PER_IP).every((r) => r.status === 200 && r.body.data.processors.length > 0)).toBe(true);
    expect(results[PER_IP].status).toBe(429);
    expect(results[PER_IP].body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(results[PER_IP].headers.get('retry-after')).toBe(String(results[PER_IP].body.errors[0].extensions.retryAfterSeconds));
    expect(await server.app.redis.ttl(IP_KEY)).toBeGreaterThan(0);
  });

  it('given health and readiness probes, then they are neither counted nor limited', async () => {
    for (let i = 0; i < PER_IP + 2; i++) expect((await server.raw('', { method: 'GET', path: '/health' })).status).toBe(200);
    expect(await server.app.redis.exists(IP_KEY)).toBe(0);
  });
});

describe('per account or key, after authentication', () => {
  it(`given ${PER_IDENTITY} requests by one account, then the next is 429 RATE_LIMITED while another account from the same IP is served`, async () => {
    const first = await signUpMember(server);
    const second = await signUpMember(server);
    await newWindow();

    for (let i = 0; i < PER_IDENTITY; i++) {
      const result = await server.gql(AccountsWhoAmIDocument, {}, { token: first.token });
      expect(result.status).toBe(200);
      expect(result.data?.me?.id).toBe(first.userId);
    }
    const limited = await server.gql(AccountsWhoAmIDocument, {}, { token: first.token });
    const error = expectLimited(limited);
    expect(error.message).toBe('Too many requests; slow down');

    const other = await server.gql(AccountsWhoAmIDocument, {}, { token: second.token });
    expect(other.status).toBe(200);
    expect(other.data?.me?.id).toBe(second.userId);
    // Anonymous requests from the same IP are not the account's: only the per-IP limit applies to them.
    expect((await server.raw({ query: '{ processors { name } }' })).status).toBe(200);
  });

  it(`given ${PER_IDENTITY} requests with one API key, then the next is 429 RATE_LIMITED`, async () => {
    for (let i = 0; i < PER_IDENTITY; i++) {
      expect((await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: apiKey.secret })).status).toBe(200);
    }
    expectLimited(await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: apiKey.secret }));
    // The key's owner signs in as a person: a separate identity.
    expect((await server.gql(AccountsWhoAmIDocument, {}, { token: owner.token })).status).toBe(200);
  });
});

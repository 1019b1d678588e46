import { randomBytes } from 'node:crypto';
import { Lexer, Source, TokenKind } from 'graphql';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

// Small limits, each exercised at n (passes) and n + 1 (QUERY_TOO_COMPLEX). The limits are
// chosen so that every query below trips at most the one limit it is about.
const MAX_DEPTH = 5;
const MAX_ALIASES = 3;
const MAX_COST = 200;
const MAX_TOKENS = 120;
const BODY_LIMIT = 2 * 1024 * 1024; // the default BODY_LIMIT_BYTES

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    QUERY_MAX_DEPTH: String(MAX_DEPTH),
    QUERY_MAX_ALIASES: String(MAX_ALIASES),
    QUERY_MAX_COST: String(MAX_COST),
    QUERY_MAX_TOKENS: String(MAX_TOKENS),
  });
});
afterAll(async () => { await server.close(); });

type RawResult = Awaited<ReturnType<TestServer['raw']>>;
const codes = (result: RawResult): string[] => (result.body.errors ?? []).map((e: { extensions: { code: string } }) => e.extensions.code);
const query = (source: string, options: Parameters<TestServer['raw']>[1] = {}) => server.raw({ query: source }, options);

/** Counted with graphql's own Lexer, as the unit test of query-limits does. */
function countTokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

describe('query limits over HTTP', () => {
  it('the server runs with the limits from the environment', () => {
    expect(server.app.config.queryLimits).toEqual({ maxDepth: MAX_DEPTH, maxAliases: MAX_ALIASES, maxCost: MAX_COST, maxTokens: MAX_TOKENS });
  });

  describe('depth', () => {
    it(`given a query ${MAX_DEPTH} levels deep, then it runs and returns data`, async () => {
      const account = await signUpEnterprise(server, { organizationName: '깊이주식회사' });
      // me 1 > organization 2 > members 3 > organization 4 > name 5
      const result = await query('{ me { organization { members { organization { name } } } } }', { token: account.token });
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.me.organization.members).toEqual([{ organization: { name: '깊이주식회사' } }]);
    });

    it(`given a query ${MAX_DEPTH + 1} levels deep, then QUERY_TOO_COMPLEX before anything runs`, async () => {
      const account = await signUpEnterprise(server);
      const result = await query('{ me { organization { members { organization { members { id } } } } } }', { token: account.token });
      expect(result.status).toBe(400);
      expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(result.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: MAX_DEPTH, actual: MAX_DEPTH + 1 });
      expect(result.body.errors[0].message).toBe(`Query depth ${MAX_DEPTH + 1} exceeds the limit of ${MAX_DEPTH}`);
      expect(result.body.data).toBeUndefined();
    });
  });

  describe('aliases', () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `p${i}: processors { name }`).join(' ')} }`;

    it(`given ${MAX_ALIASES} aliases, then every alias is answered`, async () => {
      const result = await query(aliased(MAX_ALIASES));
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(Object.keys(result.body.data)).toEqual(['p0', 'p1', 'p2']);
      expect(result.body.data.p0.length).toBeGreaterThan(0);
      expect(result.body.data.p2).toEqual(result.body.data.p0);
    });

    it(`given ${MAX_ALIASES + 1} aliases, then QUERY_TOO_COMPLEX`, async () => {
      const result = await query(aliased(MAX_ALIASES + 1));
      expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(result.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: MAX_ALIASES, actual: MAX_ALIASES + 1 });
      expect(result.body.data).toBeUndefined();
    });
  });

  describe('cost', () => {
    // Every field costs 1; a list field without a page argument costs 1 + 10 x its selection:
    // processors 1 + 10 x 4 = 41, retentionPolicies 1 + 10 x 5 = 51, privacyContacts 1 + 10 x 5 = 51,
    // consentPurposes 1 + 10 x 5 = 51, privacyPolicy 1 + 5 = 6: 200 in all.
    const atLimit = `{
      processors { name task retention country }
      retentionPolicies { category period trigger action legalBasis }
      privacyContacts { role name department email phone }
      consentPurposes { purpose title description items required }
      privacyPolicy { version status publishedAt effectiveAt summaryOfChanges }
    }`;
    // The same with one more scalar field (body): 201.
    const aboveLimit = atLimit.replace('summaryOfChanges }', 'summaryOfChanges body }');

    it(`given a query costing ${MAX_COST}, then it runs`, async () => {
      const result = await query(atLimit);
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.privacyPolicy.status).toBe('EFFECTIVE');
      expect(result.body.data.consentPurposes.length).toBeGreaterThan(0);
    });

    it(`given a query costing ${MAX_COST + 1}, then QUERY_TOO_COMPLEX`, async () => {
      const result = await query(aboveLimit);
      expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(result.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: MAX_COST, actual: MAX_COST + 1 });
      expect(result.body.data).toBeUndefined();
    });
  });

  describe('tokens', () => {
    // "{" + k x "__typename" + "}" is k + 2 tokens; __typename is free for depth and cost.
    const withTokens = (total: number) => `{ ${'__typename '.repeat(total - 2)}}`;

    it(`given a query of exactly ${MAX_TOKENS} tokens, then it runs`, async () => {
      const source = withTokens(MAX_TOKENS);
      expect(countTokens(source)).toBe(MAX_TOKENS);
      const result = await query(source);
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data).toEqual({ __typename: 'Query' });
    });

    it(`given a query of ${MAX_TOKENS + 1} tokens, then QUERY_TOO_COMPLEX`, async () => {
      const source = withTokens(MAX_TOKENS + 1);
      expect(countTokens(source)).toBe(MAX_TOKENS + 1);
      const result = await query(source);
      expect(result.status).toBe(400);
      expect(result.body.errors[0].message).toContain(`${MAX_TOKENS} tokens`);
      expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(result.body.data).toBeUndefined();
    });
  });
});

describe('request body limit', () => {
  // One operation whose variable pads the JSON body to an exact byte length (ASCII: bytes = characters).
  function bodyOfBytes(bytes: number): string {
    const shell = (pad: string) => JSON.stringify({ query: 'query Big($v: String) { privacyPolicy(version: $v) { version } }', variables: { v: pad } });
    const body = shell('x'.repeat(bytes - shell('').length));
    expect(Buffer.byteLength(body)).toBe(bytes);
    return body;
  }

  it('the server runs with the default limit of 2 MiB', () => {
    expect(server.app.config.bodyLimitBytes).toBe(BODY_LIMIT);
  });

  it('given a body of exactly 2 MiB, then the operation runs', async () => {
    const result = await server.raw(bodyOfBytes(BODY_LIMIT));
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    // No policy has a 2 MiB version label.
    expect(result.body.data).toEqual({ privacyPolicy: null });
  });

  it('given a body of 2 MiB + 1 byte, then HTTP 413 with PAYLOAD_TOO_LARGE', async () => {
    const result = await server.raw(bodyOfBytes(BODY_LIMIT + 1));
    expect(result.status).toBe(413);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0].extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', limitBytes: BODY_LIMIT });
    expect(result.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('batched operations', () => {
  it('given a JSON array of operations, then HTTP 400 with BAD_USER_INPUT and none runs', async () => {
    const result = await server.raw([{ query: '{ processors { name } }' }, { query: '{ privacyPolicy { version } }' }]);
    expect(result.status).toBe(400);
    expect(Array.isArray(result.body)).toBe(false);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.data).toBeUndefined();
  });

  it('given a JSON array of one operation, then it is refused just the same', async () => {
    const result = await server.raw([{ query: '{ processors { name } }' }]);
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('CSRF prevention', () => {
  const url = () => `${server.url}/graphql?query=${encodeURIComponent('{ processors { name } }')}`;

  it('given a GET without content-type or preflight header (a "simple" request), then it is refused with 400', async () => {
    const response = await fetch(url());
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain('"processors"');
    expect(text).toMatch(/apollo-require-preflight/);
  });

  it('given the same GET with apollo-require-preflight, then it runs', async () => {
    const response = await fetch(url(), { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { processors: { name: string }[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.processors.length).toBeGreaterThan(0);
  });

  it('given a POST as text/plain (what a cross-site form can send), then it is refused', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ processors { name } }' }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await response.text()).not.toContain('"processors"');
  });
});

describe('schema details outside production', () => {
  it('given a misspelled field, then GRAPHQL_VALIDATION_FAILED suggests the right one', async () => {
    const result = await query('{ processors { nam } }');
    expect(codes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(result.body.errors[0].message).toContain('Did you mean "name"?');
  });

  it('given an introspection query, then the schema is described', async () => {
    const result = await query('{ __schema { queryType { name } } }');
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('production', () => {
  const productionEnv = () => ({
    ...process.env,
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: randomBytes(24).toString('base64'),
  });

  let app: App;
  let url: string;
  beforeAll(async () => {
    const config = loadConfig(productionEnv());
    expect(config.nodeEnv).toBe('production');
    // The test S3 server (s3rver) only knows the development secret, which production refuses;
    // everything else is the production configuration exactly as loadConfig returned it.
    app = await createApp({ ...config, s3: { ...config.s3, secretAccessKey: 'S3RVER' } }, { s3Endpoint: config.s3.endpoint! });
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = app.http.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => { await app?.close(); });

  const post = async (source: string) => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: source }) });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] } };
  };

  it('given a public query, then the production server answers it', async () => {
    const result = await post('{ processors { name } }');
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
  });

  it.each([
    ['__schema', '{ __schema { queryType { name } } }'],
    ['__type', '{ __type(name: "User") { fields { name } } }'],
  ])('given an introspection query (%s), then it is refused', async (_label, source) => {
    const result = await post(source);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors?.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // A neutral refusal: neither the server nor the setting that would turn it on is named.
    expect(result.body.errors![0].message).toBe('Introspection is not allowed');
    expect(JSON.stringify(result.body)).not.toContain('"fields"');
  });

  it('given a misspelled field, then the error names no other field', async () => {
    const result = await post('{ processors { nam } }');
    expect(result.body.errors?.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(result.body.errors![0].message).toContain('Cannot query field "nam"');
    expect(result.body.errors![0].message).not.toContain('Did you mean');
  });

  it('given a browser asking GET /graphql, then no GraphiQL page and no assets are served', async () => {
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
    expect((await fetch(`${url}/graphiql/graphiql.js`)).status).toBe(404);
  });
});

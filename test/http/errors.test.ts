import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { PUBLIC_CODES } from '../../src/errors';
import { MeDocument, ProcessorsDocument, SignUpDocument, UsersDocument } from '../__generated__/typed-documents';
import { signUp, signUpInput, uniqueEmail } from '../factories/accounts';
import { captureLog } from '../setup/capture';
import type { GqlResult, TestServer } from '../setup/harness';

// SPEC 2: the closed set of public codes, spelled out so a change to src/errors.ts shows here too.
const SPEC_CODES = [
  'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'CONSENT_REQUIRED', 'PROCESSING_SUSPENDED',
  'RATE_LIMITED', 'PAYLOAD_TOO_LARGE', 'QUERY_TOO_COMPLEX', 'INTERNAL_SERVER_ERROR',
];
const GENERIC = 'Something went wrong on our side. Try again later.';
// SPEC 2 (amended): errors of the GraphQL protocol itself keep Apollo's standard codes.
const PROTOCOL_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'BAD_REQUEST'];

// The harness's server, but with a logger whose lines this file can read: unknown errors must be
// logged with the request id, and only there.
const captured = captureLog('error');
let app: App;
let server: TestServer;

beforeAll(async () => {
  const config = loadConfig(process.env);
  app = await createApp(config, { s3Endpoint: config.s3.endpoint!, log: captured.log });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const headersFor = (options: { token?: string; apiKey?: string; headers?: Record<string, string> } = {}) => ({
    'content-type': 'application/json',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
    ...options.headers,
  });
  server = {
    app, url,
    async gql(document, variables, options) {
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: headersFor(options), body: JSON.stringify({ query: print(document), variables }) });
      const body = (await response.json()) as any;
      return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
    },
    async raw(body, options = {}) {
      const response = await fetch(`${url}${options.path ?? '/graphql'}`, {
        method: options.method ?? 'POST', headers: headersFor(options),
        body: options.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    close: () => app.close(),
  };
});
afterAll(async () => { await server.close(); });

/** Every error of every response: a code from SPEC 2 (public or protocol), a message, no stack trace or http internals. */
function expectWellFormed(errors: { message: string; extensions: Record<string, unknown> }[] | undefined) {
  expect(errors?.length).toBeGreaterThan(0);
  for (const error of errors!) {
    expect([...SPEC_CODES, ...PROTOCOL_CODES]).toContain(error.extensions.code);
    expect(typeof error.message).toBe('string');
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect(error.extensions).not.toHaveProperty('exception');
    expect(error.extensions).not.toHaveProperty('http');
  }
}

describe('the public code set', () => {
  it('src/errors.ts PUBLIC_CODES is exactly the SPEC 2 set', () => {
    expect([...PUBLIC_CODES].sort()).toEqual([...SPEC_CODES].sort());
  });
});

describe('an unknown failure inside a resolver', () => {
  const query = async <R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<GqlResult<R>> => {
    // Reversible damage: the resolver's table disappears for one request.
    await app.orm.em.fork().execute('alter table processors rename to processors_broken_by_test');
    try {
      return await server.gql(document, variables);
    } finally {
      await app.orm.em.fork().execute('alter table processors_broken_by_test rename to processors');
    }
  };

  it('given the processors table is missing, then INTERNAL_SERVER_ERROR with a generic message and nothing of the cause', async () => {
    captured.lines.length = 0;
    const result = await query(ProcessorsDocument, {});

    expect(result.status).toBe(500); // a server fault is HTTP 500 on every operation (README, Errors)
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toEqual({ message: GENERIC, path: ['processors'], locations: [{ line: 2, column: 3 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const text = JSON.stringify(result);
    for (const leak of ['processors_broken', 'relation', 'select', 'does not exist', 'stack', '.ts:', 'node_modules']) {
      expect(text.toLowerCase()).not.toContain(leak);
    }

    // The detail goes to the log, with the request id the client got.
    const requestId = result.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = captured.records().filter((line) => line.msg === 'request failed');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, requestId });
    expect((logged[0].err as { message: string }).message).toMatch(/relation "processors" does not exist/);
  });

  it('given the table is back, then the same query answers again', async () => {
    const result = await server.gql(ProcessorsDocument, {});
    expect(result.errors).toBeUndefined();
    expect(result.data!.processors.length).toBeGreaterThan(0);
  });

  it('given coded errors (here UNAUTHENTICATED), then nothing is logged as a failure', async () => {
    captured.lines.length = 0;
    const result = await server.gql(MeDocument, {});
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(captured.lines).toEqual([]);
  });
});

describe('caller errors', () => {
  it('given a syntax error, then HTTP 400 with GRAPHQL_PARSE_FAILED', async () => {
    const result = await server.raw({ query: '{ processors { name }' });
    expect(result.status).toBe(400);
    expect(result.body.errors.map((e: any) => e.extensions.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(result.body.errors[0].message).toMatch(/^Syntax Error/);
    expectWellFormed(result.body.errors);
  });

  it('given an unknown enum value in variables, then BAD_USER_INPUT and nothing is stored', async () => {
    const email = uniqueEmail();
    const result = await server.gql(SignUpDocument, { input: signUpInput({ email }), channel: 'CARRIER_PIGEON' as never });
    expect(result.status).toBe(400);
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].message).toContain('$channel');
    expect(result.data).toBeUndefined();
    // The operation never ran: the email is still free.
    await expect(signUp(server, { email })).resolves.toMatchObject({ email });
  });

  it('given an unknown enum value inside an input object, then BAD_USER_INPUT naming the field, not repeating the value', async () => {
    const result = await server.gql(SignUpDocument, { input: signUpInput({ accountType: 'OVERLORD' as never }) });
    expect(result.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field: 'accountType' }]);
    expect(result.errors![0].message).toContain('input.accountType');
    expect(result.errors![0].message).not.toContain('OVERLORD');
  });
});

describe('bad input the fuzzing found', () => {
  it('given a persisted-query hash mismatch, a NUL byte, a lone surrogate and 60 variable errors, then none is logged as a failure', async () => {
    captured.lines.length = 0;
    const results = await Promise.all([
      server.raw({ query: '{ processors { name } }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }),
      server.raw({ query: 'query ($v: String) { privacyPolicy(version: $v) { version } }', variables: { v: 'a\u0000b' } }),
      server.raw({ query: 'query ($v: String) { privacyPolicy(version: $v) { version } }', variables: { v: 'a\uD800b' } }),
      server.raw({ query: 'mutation ($f: [PersonalField!]!) { revealPersonalData(userId: "x", fields: $f, reason: "r") { userId } }', variables: { f: Array(60).fill(0) } }),
    ]);
    for (const result of results) {
      expect(result.status).toBe(400);
      expectWellFormed(result.body.errors);
      expect(result.body.errors.map((e: any) => e.extensions.code)).not.toContain('INTERNAL_SERVER_ERROR');
    }
    expect(captured.records().filter((line) => line.msg === 'request failed')).toEqual([]);
  });
});

describe('every error response', () => {
  let memberToken: string;
  beforeAll(async () => { memberToken = (await signUp(server)).token; });

  // [label, request, HTTP status, the code(s) expected]
  const cases: [string, () => Promise<{ status: number; body: any; headers: Headers }>, number, string[]][] = [
    ['a syntax error', () => server.raw({ query: '{' }), 400, ['GRAPHQL_PARSE_FAILED']],
    ['an unknown field', () => server.raw({ query: '{ nope }' }), 400, ['GRAPHQL_VALIDATION_FAILED']],
    ['a missing required variable', () => server.raw({ query: 'query ($id: ID!) { user(id: $id) { id } }' }), 400, ['BAD_USER_INPUT']],
    ['a variable of the wrong type', () => server.raw({ query: 'query ($v: String) { privacyPolicy(version: $v) { version } }', variables: { v: { nested: true } } }), 400, ['BAD_USER_INPUT']],
    ['no query at all', () => server.raw({ variables: {} }), 400, ['BAD_REQUEST']],
    ['an unknown operationName', () => server.raw({ query: 'query A { processors { name } }', operationName: 'B' }), 400, ['BAD_REQUEST']],
    ['a body that is not JSON', () => server.raw('{"query": '), 400, ['BAD_USER_INPUT']],
    ['a persisted-query hash that does not match the query', () => server.raw({ query: '{ processors { name } }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }), 400, ['BAD_REQUEST']],
    ['a NUL byte in a string variable', () => server.raw({ query: 'query ($v: String) { privacyPolicy(version: $v) { version } }', variables: { v: 'a\u0000b' } }), 400, ['BAD_USER_INPUT']],
    ['a mutation over GET', () => server.raw('', { method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { signOut }')}` }), 405, ['BAD_REQUEST']],
    ['an anonymous me', () => server.raw({ query: '{ me { id } }' }), 200, ['UNAUTHENTICATED']],
    ['a malformed bearer token', () => server.raw({ query: '{ processors { name } }' }, { token: 'not-a-jwt' }), 401, ['UNAUTHENTICATED']],
    ['a bearer token and an API key together', () => server.raw({ query: '{ processors { name } }' }, { token: 'x', apiKey: 'y' }), 400, ['BAD_USER_INPUT']],
    ['an unknown API key', () => server.raw({ query: '{ processors { name } }' }, { apiKey: 'aimex_unknown' }), 401, ['UNAUTHENTICATED']],
    ['a member listing users', () => server.raw({ query: '{ users { totalCount } }' }, { token: memberToken }), 200, ['FORBIDDEN']],
    ['an unknown user id', () => server.raw({ query: 'query ($id: ID!) { user(id: $id) { id } }', variables: { id: '00000000-0000-4000-8000-000000000000' } }, { token: memberToken }), 200, ['NOT_FOUND']],
  ];

  it.each(cases)('given %s, then a well-formed error with a SPEC 2 code and an x-request-id', async (_label, send, status, expected) => {
    const result = await send();
    expect(result.status).toBe(status);
    expect(result.body.errors.map((e: any) => e.extensions.code)).toEqual(expected);
    expectWellFormed(result.body.errors);
    expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('given two requests, then each has its own x-request-id', async () => {
    const [a, b] = await Promise.all([server.gql(ProcessorsDocument, {}), server.gql(UsersDocument, {})]);
    expect(a.headers.get('x-request-id')).toBeTruthy();
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });
});

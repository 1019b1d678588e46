import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { Role } from '../../src/auth/roles';
import { CreateProductDocument, LegalHoldsDocument, PlaceLegalHoldDocument, ProductsDocument, SignUpDocument } from '../__generated__/typed-documents';
import { createStaff, signUp, signUpEnterprise, signUpInput, uniqueEmail, type Account } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

// SPEC 2: bad input is never INTERNAL_SERVER_ERROR, and no error message repeats a submitted value.

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\uD800b';
const BAD_VALUES: [string, string][] = [['a NUL byte', NUL], ['a lone surrogate', LONE_SURROGATE]];

let server: TestServer;
let member: Account;
let enterprise: Account;
let admin: Account;
let officer: Account;

beforeAll(async () => {
  server = await startServer();
  [member, enterprise, admin, officer] = await Promise.all([
    signUp(server), signUpEnterprise(server), createStaff(server, Role.ADMIN), createStaff(server, Role.PRIVACY_OFFICER),
  ]);
});
afterAll(async () => { await server?.close(); });

const codes = (body: any): string[] => (body?.errors ?? []).map((e: any) => e.extensions?.code);

const productInput = (overrides: Record<string, unknown> = {}) => ({
  organizationId: enterprise.organizationId!, name: '비타민 C', category: 'health', priceKrw: 12000, tags: ['vitamin', 'daily'], ...overrides,
});

describe('the schema-driven sweep: every String and ID input of every operation, with a NUL byte and with a lone surrogate', () => {
  type Step = string | number;
  interface Case { operation: 'mutation' | 'query'; field: string; path: Step[]; expectedField: string; query: string; variables: Record<string, unknown>; token: string }

  // The emitted schema (test/schema checks that it is the built one).
  const schema = buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));

  /** Every path from an argument down to a String or ID leaf; list positions are 0. */
  function stringPaths(type: GraphQLInputType, path: Step[], seen: ReadonlySet<string>): Step[][] {
    if (isNonNullType(type)) return stringPaths(type.ofType, path, seen);
    if (isListType(type)) return stringPaths(type.ofType, [...path, 0], seen);
    if (isInputObjectType(type)) {
      if (seen.has(type.name)) return [];
      const inner = new Set([...seen, type.name]);
      return Object.values(type.getFields()).flatMap((field) => stringPaths(field.type, [...path, field.name], inner));
    }
    return type.name === 'String' || type.name === 'ID' ? [path] : [];
  }

  // Real ids where the name says what they are, so that without the guard the bad text would get as far
  // as the database (the fuzzing's INTERNAL_SERVER_ERRORs), not stop at NOT_FOUND.
  const knownId = (name: string | undefined) =>
    name === 'organizationId' ? enterprise.organizationId! : name === 'userId' || name === 'subjectId' ? member.userId : randomUUID();

  /** A plausible value of the type: required fields filled in, and the bad text where `rest` leads. */
  function valueFor(type: GraphQLInputType, rest: Step[] | null, bad: string, name?: string): unknown {
    if (isNonNullType(type)) return valueFor(type.ofType, rest, bad, name);
    if (isListType(type)) return [valueFor(type.ofType, rest ? rest.slice(1) : null, bad, name)];
    if (isInputObjectType(type)) {
      const value: Record<string, unknown> = {};
      for (const field of Object.values(type.getFields())) {
        if (rest && rest[0] === field.name) value[field.name] = valueFor(field.type, rest.slice(1), bad, field.name);
        else if (isNonNullType(field.type) && field.defaultValue === undefined) value[field.name] = valueFor(field.type, null, bad, field.name);
      }
      return value;
    }
    if (rest) return bad;
    if (isEnumType(type)) return type.getValues()[0].name;
    switch (type.name) {
      case 'ID': return knownId(name);
      case 'String': return 'x';
      case 'Int': return 1;
      case 'Float': return 1.5;
      case 'Boolean': return false;
      case 'DateTime': return new Date(Date.now() + 30 * 86400_000).toISOString();
      default: throw new Error(`no sample for scalar ${type.name}`);
    }
  }

  // Written here independently of the server's code: the argument path, without the conventional `input.`.
  const expectedField = (path: Step[]) => {
    const parts = path.length > 1 && path[0] === 'input' ? path.slice(1) : path;
    return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  };

  /** A caller the operation is meant for, from its description; the answer must be BAD_USER_INPUT either way. */
  const tokenFor = (field: GraphQLField<unknown, unknown>) => {
    const description = field.description ?? '';
    if (description.includes('PRIVACY_OFFICER')) return officer.token;
    if (description.includes('ENTERPRISE')) return enterprise.token;
    if (description.includes('ADMIN')) return admin.token;
    return member.token;
  };

  const selectionFor = (field: GraphQLField<unknown, unknown>) => {
    const type = getNamedType(field.type);
    return isObjectType(type) || isInterfaceType(type) || isUnionType(type) ? ' { __typename }' : '';
  };

  function casesOf(operation: 'mutation' | 'query', root: GraphQLObjectType, bad: string): Case[] {
    return Object.values(root.getFields()).flatMap((field) => field.args.flatMap((target) => stringPaths(target.type, [], new Set()).map((rest) => {
      const args = field.args.filter((arg) => arg === target || (isNonNullType(arg.type) && arg.defaultValue === undefined));
      const variables = Object.fromEntries(args.map((arg) => [arg.name, valueFor(arg.type, arg === target ? rest : null, bad, arg.name)]));
      const declarations = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
      const query = `${operation} Sweep(${declarations}) { ${field.name}(${args.map((arg) => `${arg.name}: $${arg.name}`).join(', ')})${selectionFor(field)} }`;
      const path = [target.name, ...rest];
      return { operation, field: field.name, path, expectedField: expectedField(path), query, variables, token: tokenFor(field) };
    })));
  }

  /** Sends every case, a few at a time, and returns what went wrong as readable lines. */
  async function sweep(cases: Case[]): Promise<string[]> {
    const problems: string[] = [];
    const queue = [...cases];
    await Promise.all(Array.from({ length: 6 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const result = await server.raw({ query: next.query, variables: next.variables }, { token: next.token });
        const label = `${next.field}(${next.path.join('.')})`;
        const found = codes(result.body);
        if (found.includes('INTERNAL_SERVER_ERROR')) problems.push(`${label}: INTERNAL_SERVER_ERROR`);
        const error = result.body?.errors?.find((e: any) => e.extensions?.code === 'BAD_USER_INPUT');
        if (!error) problems.push(`${label}: ${JSON.stringify(found)} instead of BAD_USER_INPUT`);
        else if (error.extensions.field !== next.expectedField) problems.push(`${label}: field ${error.extensions.field}, expected ${next.expectedField}`);
        if (result.status !== 400) problems.push(`${label}: HTTP ${result.status}`);
        if (result.body?.data !== undefined) problems.push(`${label}: the operation ran`);
        if (JSON.stringify(result.body).includes('\\u0000')) problems.push(`${label}: the response echoes the NUL byte`);
      }
    }));
    return problems;
  }

  const mutationCases = (bad: string) => casesOf('mutation', schema.getMutationType()!, bad);
  const queryCases = (bad: string) => casesOf('query', schema.getQueryType()!, bad);

  it('covers the inputs the fuzzing found (product, dataset, persona, mission template, policy, reveal and legal-hold reasons, organization name)', () => {
    const covered = new Set(mutationCases(NUL).map((c) => `${c.field}:${c.expectedField}`));
    for (const expected of [
      'createProduct:name', 'createDataset:name', 'createModel:persona.displayName', 'updateModel:persona.tone', 'createMissionTemplate:title',
      'publishPrivacyPolicy:body', 'revealPersonalData:reason', 'placeLegalHold:reason', 'signUp:organizationName', 'signUp:email', 'signUp:policyVersion',
      'createProduct:tags[0]', 'signIn:password',
    ]) expect(covered).toContain(expected);
    expect(covered.size).toBeGreaterThan(60);
  });

  it.each(BAD_VALUES)('given %s in each mutation input, then BAD_USER_INPUT naming the field, HTTP 400, and nothing runs', async (_label, bad) => {
    expect(await sweep(mutationCases(bad))).toEqual([]);
  });

  it.each(BAD_VALUES)('given %s in each query argument, then BAD_USER_INPUT naming the field too', async (_label, bad) => {
    const cases = queryCases(bad);
    expect(cases.length).toBeGreaterThan(10);
    expect(await sweep(cases)).toEqual([]);
  });
});

describe('a NUL byte or a lone surrogate in particular places', () => {
  const productCount = async () => {
    const result = await server.gql(ProductsDocument, { organizationId: enterprise.organizationId!, first: 50 });
    return result.data!.products.totalCount;
  };

  it.each([
    ['a NUL byte in the name', { name: NUL }, 'name'],
    ['a lone surrogate in the name', { name: LONE_SURROGATE }, 'name'],
    ['a lone trailing surrogate in the description', { description: 'x\uDC00' }, 'description'],
    ['a lone surrogate in the second tag', { tags: ['ok', LONE_SURROGATE] }, 'tags[1]'],
  ])('given createProduct with %s, then BAD_USER_INPUT on that field and no product row', async (_label, overrides, field) => {
    const before = await productCount();
    const result = await server.gql(CreateProductDocument, { input: productInput(overrides) }, { token: enterprise.token });
    expect(result.status).toBe(400);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(result.errors![0].message).toMatch(/NUL character or an unpaired UTF-16 surrogate/);
    expect(await productCount()).toBe(before);
  });

  it('given the same product with clean text, then it is created (the inputs above were otherwise valid)', async () => {
    const before = await productCount();
    const result = await server.gql(CreateProductDocument, { input: productInput({ description: '매일 한 알' }) }, { token: enterprise.token });
    expect(result.errors).toBeUndefined();
    expect(await productCount()).toBe(before + 1);
  });

  it('given a NUL byte written inline in the query (\\u0000 escape), then BAD_USER_INPUT on that field too', async () => {
    const before = await productCount();
    const query = `mutation { createProduct(input: { organizationId: "${enterprise.organizationId}", name: "a\\u0000b", category: "c", priceKrw: 1, tags: [] }) { id } }`;
    const result = await server.raw({ query }, { token: enterprise.token });
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(await productCount()).toBe(before);
  });

  it('given a lone surrogate written raw inside a query string, then the parser refuses it (GRAPHQL_PARSE_FAILED), never an internal error', async () => {
    const result = await server.raw({ query: '{ privacyPolicy(version: "a\uD800b") { version } }' });
    expect(result.status).toBe(400);
    expect(codes(result.body)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('given an enterprise sign-up with a NUL byte in the organization name, then BAD_USER_INPUT and the email is still free', async () => {
    const email = uniqueEmail('org');
    const result = await server.gql(SignUpDocument, { input: signUpInput({ email, accountType: 'ENTERPRISE', organizationName: `Org${NUL}` }) });
    expect(result.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field: 'organizationName' }]);
    await expect(signUpEnterprise(server, { email })).resolves.toMatchObject({ email });
  });

  it('given a legal hold whose reason holds a lone surrogate, then BAD_USER_INPUT on reason and no hold is placed', async () => {
    const result = await server.gql(PlaceLegalHoldDocument, { subjectId: member.userId, reason: `소송${LONE_SURROGATE}` }, { token: officer.token });
    expect(result.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field: 'reason' }]);
    const holds = await server.gql(LegalHoldsDocument, { subjectId: member.userId }, { token: officer.token });
    expect(holds.data!.legalHolds).toEqual([]);
  });

  it('given a NUL byte in an object key of a variable, then BAD_USER_INPUT at that object and the key is not echoed', async () => {
    const result = await server.gql(CreateProductDocument, { input: { ...productInput(), ['evil\u0000key']: 1 } as never }, { token: enterprise.token });
    expect(result.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field: 'input' }]);
    expect(JSON.stringify(result.errors)).not.toContain('evil');
  });

  it('given a bad string in a variable the operation does not declare, then it is ignored like the variable itself', async () => {
    const result = await server.raw({ query: '{ processors { name } }', variables: { unused: NUL } });
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
  });
});

describe('automatic persisted queries', () => {
  const query = '{ processors { name } }';
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('given a hash that does not match the query, then HTTP 400 BAD_REQUEST, never an internal error', async () => {
    const result = await server.raw({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ something else }') } } });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('given an unsupported persisted-query version, then BAD_REQUEST', async () => {
    const result = await server.raw({ query, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(query) } } });
    expect(result.status).toBe(400);
    expect(codes(result.body)).toEqual(['BAD_REQUEST']);
  });

  it('given an unknown hash alone, then PERSISTED_QUERY_NOT_FOUND (Apollo clients then send the query); with the query it is stored and the hash alone works', async () => {
    const fresh = `{ processors { name } privacyPolicy(version: "${randomUUID()}") { version } }`;
    const hashOnly = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(fresh) } } };
    const missing = await server.raw(hashOnly);
    expect(missing.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
    const registered = await server.raw({ query: fresh, ...hashOnly });
    expect(registered.body.errors).toBeUndefined();
    const hit = await server.raw(hashOnly);
    expect(hit.body.errors).toBeUndefined();
    expect(hit.body.data.processors.length).toBeGreaterThan(0);
  });
});

describe('variable errors', () => {
  it('given 60 invalid values in one variable, then 50 BAD_USER_INPUT errors and one saying there were too many, HTTP 400', async () => {
    const result = await server.raw({
      query: 'mutation ($userId: ID!, $fields: [PersonalField!]!, $reason: String!) { revealPersonalData(userId: $userId, fields: $fields, reason: $reason) { userId } }',
      variables: { userId: member.userId, reason: 'audit', fields: Array.from({ length: 60 }, (_, i) => `NOT_A_FIELD_${i}`) },
    }, { token: officer.token });
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(codes(result.body)).toEqual(Array(51).fill('BAD_USER_INPUT'));
    expect(result.body.errors[0]).toMatchObject({ message: 'Variable "$fields" at "fields[0]" got an invalid value; expected a value of enum "PersonalField".', extensions: { field: 'fields[0]' } });
    expect(result.body.errors[50].message).toMatch(/^Too many invalid variable values/);
    expect(JSON.stringify(result.body)).not.toContain('NOT_A_FIELD');
  });

  const secret = 'Tr0ub4dor&3-sekrit';
  const email = 'leak-check@example.com';

  it.each([
    ['a missing required field (the whole input object used to be quoted)', { ...signUpInput({ email, password: secret }), consents: undefined }, 'consents'],
    ['an unknown field', { ...signUpInput({ email, password: secret }), passwordConfirmation: secret }, 'input'],
    ['a wrong type beside the password', { ...signUpInput({ email, password: secret }), phone: 1234 }, 'phone'],
    ['the password itself of the wrong type', { ...signUpInput({ email }), password: [secret] }, 'password'],
    ['an unknown enum value', { ...signUpInput({ email, password: secret }), accountType: secret }, 'accountType'],
  ])('given %s, then the response never contains the submitted values', async (_label, input, field) => {
    const result = await server.raw({ query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }', variables: { input } });
    expect(result.status).toBe(400);
    expect(codes(result.body)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.errors[0].extensions.field).toBe(field);
    expect(result.body.errors[0].message).toMatch(/^Variable "\$input"/);
    const text = JSON.stringify(result.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('sekrit');
    expect(text).not.toContain(email);
    expect(text).not.toContain('1234');
  });

  it('given signIn with the password as an object, then the password is not echoed either', async () => {
    const result = await server.raw({ query: 'mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { accessToken } }', variables: { email, password: { value: secret } } });
    expect(result.body.errors).toEqual([{ message: 'Variable "$password" got an invalid value; expected type "String".', locations: expect.any(Array), extensions: { code: 'BAD_USER_INPUT', field: 'password' } }]);
    expect(JSON.stringify(result.body)).not.toContain(secret);
  });

  it('given a string literal of the wrong type inline, then the literal is not echoed', async () => {
    const result = await server.raw({ query: `mutation { signIn(email: "${email}", password: 12345678) { accessToken } }` });
    expect(codes(result.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(result.body.errors[0].message).toBe('String cannot represent a non string value.');
    expect(JSON.stringify(result.body)).not.toContain('12345678');
  });

  it('outside production, a misspelled enum value or input field still gets a suggestion of schema names', async () => {
    const enumResult = await server.raw({ query: 'mutation ($input: SignUpInput!, $channel: ConsentChannel) { signUp(input: $input, channel: $channel) { accessToken } }', variables: { input: signUpInput(), channel: 'WEBB' } });
    expect(enumResult.body.errors[0].message).toBe('Variable "$channel" got an invalid value; expected a value of enum "ConsentChannel". Did you mean the enum value "WEB"?');
    const fieldResult = await server.raw({ query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }', variables: { input: { ...signUpInput(), emial: 'x' } } });
    expect(fieldResult.body.errors[0].message).toBe('Variable "$input" has field "emial" that is not defined by type "SignUpInput". Did you mean "email"?');
    const inline = await server.raw({ query: '{ recommendations(kind: PRODUCTT) { personalized } }' });
    expect(inline.body.errors[0].message).toContain('Did you mean the enum value "PRODUCT"?');
    expect(inline.body.errors[0].message).not.toContain('PRODUCTT');
  });
});

describe('in production', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    const config = loadConfig({
      ...process.env, NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex'), MASTER_KEY: randomBytes(32).toString('base64'),
      BLIND_INDEX_KEY: randomBytes(32).toString('base64'), S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: randomBytes(24).toString('base64'),
    });
    expect(config.nodeEnv).toBe('production');
    // s3rver only knows the development secret, which production refuses; the rest is production as loaded.
    app = await createApp({ ...config, s3: { ...config.s3, secretAccessKey: 'S3RVER' } }, { s3Endpoint: config.s3.endpoint! });
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = app.http.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => { await app?.close(); });

  const post = async (body: object) => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) };
  };

  it.each([
    ['a misspelled field', { query: '{ processors { nam } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a misspelled argument', { query: '{ privacyPolicy(versoin: "x") { version } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a misspelled type', { query: 'query ($v: Strin) { privacyPolicy(version: $v) { version } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a bad enum value inline', { query: '{ recommendations(kind: PRODUCTT) { personalized } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a bad enum value in a variable', { query: 'mutation ($input: SignUpInput!, $channel: ConsentChannel) { signUp(input: $input, channel: $channel) { accessToken } }', variables: { input: signUpInput(), channel: 'WEBB' } }, 'BAD_USER_INPUT'],
    ['a bad enum value inside an input variable', { query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }', variables: { input: signUpInput({ accountType: 'MEMBERR' as never }) } }, 'BAD_USER_INPUT'],
    ['a misspelled input field in a variable', { query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }', variables: { input: { ...signUpInput(), emial: 'x' } } }, 'BAD_USER_INPUT'],
  ])('given %s, then no "Did you mean" and no other name of the schema', async (_label, body, code) => {
    const result = await post(body);
    expect(result.status).toBe(400);
    expect(codes(result.body)).toEqual([code]);
    expect(result.text).not.toMatch(/did you mean/i);
    for (const suggestion of ['"name"', '"version"', '"String"', '"PRODUCT"', '"WEB"', '"MEMBER"', '"email"']) expect(result.text).not.toContain(suggestion);
  });

  it.each([
    ['__schema', '{ __schema { queryType { name } } }'],
    ['__type', '{ __type(name: "User") { fields { name } } }'],
  ])('given an introspection query (%s), then a neutral refusal that names neither the server nor its setting', async (_label, query) => {
    const result = await post({ query });
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors).toEqual([{ message: 'Introspection is not allowed', locations: expect.any(Array), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
    expect(result.text).not.toMatch(/apollo|introspection: true|production|pass /i);
  });

  it('given a NUL byte in a variable, then BAD_USER_INPUT there too', async () => {
    const result = await post({ query: 'query ($v: String) { privacyPolicy(version: $v) { version } }', variables: { v: NUL } });
    expect(result.status).toBe(400);
    expect(result.body.errors.map((e: any) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field: 'version' }]);
  });
});

import {
  GraphQLError,
  Lexer,
  Source,
  TokenKind,
  buildSchema,
  getIntrospectionQuery,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { GraphQLSchema } from 'graphql';
import {
  DEFAULT_QUERY_LIMITS,
  aliasLimitRule,
  costLimitRule,
  depthLimitRule,
  queryAliasCount,
  queryCost,
  queryDepth,
  queryLimitRules,
} from '../../src/http/query-limits';
import type { QueryLimits } from '../../src/http/query-limits';

// Mirrors the shape of the real API: a Relay connection with a schema default page size,
// unbounded list fields (`friends`, `members`) and a recursive User type.
const schema = buildSchema(/* GraphQL */ `
  type Query {
    me: User
    users(first: Int = 20, after: String): UserConnection!
    user(id: ID!): User
  }
  type UserConnection {
    edges: [UserEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }
  type UserEdge {
    cursor: String!
    node: User!
  }
  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
  type User {
    id: ID!
    name: String
    friends: [User!]!
    organization: Organization
  }
  type Organization {
    id: ID!
    members: [User!]!
  }
`);

const NO_LIMITS: QueryLimits = { maxDepth: Infinity, maxAliases: Infinity, maxCost: Infinity, maxTokens: Infinity };

function validateWithLimits(source: string, limits: Partial<QueryLimits>, against: GraphQLSchema = schema) {
  return validate(against, parse(source), [...specifiedRules, ...queryLimitRules({ ...NO_LIMITS, ...limits })]);
}

function expectSingleLimitError(errors: readonly GraphQLError[], message: string, limit: number, actual: number) {
  expect(errors).toHaveLength(1);
  expect(errors[0]?.message).toBe(message);
  expect(errors[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit, actual });
}

describe('depth', () => {
  it.each([
    ['{ me { id } }', 2],
    ['{ me { id __typename } }', 2],
    ['{ __typename }', 0],
    ['{ me { ...F } } fragment F on User { friends { id } }', 3],
    ['{ me { ... on User { organization { id } } } }', 3],
    ['{ users { edges { node { friends { id } } } } }', 5],
  ])('%s has depth %i', (source, expected) => {
    expect(queryDepth(parse(source))).toBe(expected);
  });

  it('passes exactly at the limit (4)', () => {
    expect(validateWithLimits('{ me { friends { friends { id } } } }', { maxDepth: 4 })).toEqual([]);
  });

  it('rejects one level above the limit (5 > 4)', () => {
    const errors = validateWithLimits('{ me { friends { friends { friends { id } } } } }', { maxDepth: 4 });
    expectSingleLimitError(errors, 'Query depth 5 exceeds the limit of 4', 4, 5);
  });

  it('follows fragment spreads when measuring depth', () => {
    const source = '{ me { ...Deep } } fragment Deep on User { friends { friends { friends { id } } } }';
    expectSingleLimitError(validateWithLimits(source, { maxDepth: 4 }), 'Query depth 5 exceeds the limit of 4', 4, 5);
  });

  it('measures each operation separately and fails only the one that exceeds', () => {
    const source = `
      query Cheap { me { id } }
      query Deep { me { friends { friends { friends { id } } } } }
    `;
    expect(queryDepth(parse(source), 'Cheap')).toBe(2);
    expect(queryDepth(parse(source), 'Deep')).toBe(5);
    expect(queryDepth(parse(source))).toBe(5);
    expectSingleLimitError(validateWithLimits(source, { maxDepth: 4 }), 'Query depth 5 exceeds the limit of 4', 4, 5);
  });

  it('throws for an unknown operation name instead of measuring nothing', () => {
    expect(() => queryDepth(parse('query A { me { id } }'), 'B')).toThrow('Unknown operation named "B"');
  });
});

describe('aliases', () => {
  it('passes exactly at the limit (3)', () => {
    const source = '{ a: me { id } b: me { id } c: user(id: "1") { id } }';
    expect(queryAliasCount(parse(source))).toBe(3);
    expect(validateWithLimits(source, { maxAliases: 3 })).toEqual([]);
  });

  it('rejects one alias above the limit (4 > 3)', () => {
    const source = '{ a: me { id } b: me { id } c: user(id: "1") { id } d: me { id } }';
    expectSingleLimitError(
      validateWithLimits(source, { maxAliases: 3 }),
      'Query alias count 4 exceeds the limit of 3',
      3,
      4,
    );
  });

  it('counts aliases inside a fragment once per spread (2 spreads x 2 aliases = 4)', () => {
    const source = '{ me { ...F } user(id: "1") { ...F } } fragment F on User { x: id y: name }';
    expect(queryAliasCount(parse(source))).toBe(4);
    expectSingleLimitError(
      validateWithLimits(source, { maxAliases: 3 }),
      'Query alias count 4 exceeds the limit of 3',
      3,
      4,
    );
  });
});

describe('cost', () => {
  it.each([
    // me = 1 + id 1
    ['{ me { id } }', 2],
    // __typename is free: me = 1 + id 1
    ['{ __typename me { __typename id } }', 2],
    // friends has no page argument: 1 + 10 x id 1 = 11; me = 1 + 11
    ['{ me { friends { id } } }', 12],
    // no page argument given: schema default first = 20; node = 2; edges = 1 + 20 x 2 = 41; users = 1 + 41
    ['{ users { edges { node { id } } } }', 42],
    // variables are invisible to validation: priced at the max page size 100; edges = 1 + 100 x 2 = 201
    ['query ($n: Int) { users(first: $n) { edges { node { id } } } }', 202],
    // node = 1 + 2 = 3; edges = 1 + 5 x (cursor 1 + node 3) = 21; pageInfo = 1 + 2 = 3; users = 1 + 21 + 3 + 1
    ['{ users(first: 5) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } totalCount } }', 26],
    // same fragment under two page sizes: a = 1 + (1 + 3 x 2) = 8; b = 1 + (1 + 7 x 2) = 16
    [
      '{ a: users(first: 3) { ...Conn } b: users(first: 7) { ...Conn } } fragment Conn on UserConnection { edges { node { id } } }',
      24,
    ],
    // unknown fields cost 1 flat: me = 1 + 1
    ['{ me { nope { id } } }', 2],
  ])('%s costs %i', (source, expected) => {
    expect(queryCost(schema, parse(source))).toBe(expected);
  });

  // members: 1 + 10 x (id 1 + name 1) = 21; organization: 1 + 21 = 22; node: 1 + 22 = 23;
  // edges: 1 + 100 x 23 = 2301; users: 1 + 2301 = 2302
  const atLimit = '{ users(first: 100) { edges { node { organization { members { id name } } } } } }';
  // the same plus totalCount (1)
  const aboveLimit = '{ users(first: 100) { totalCount edges { node { organization { members { id name } } } } } }';

  it('prices users(first: 100) > edges > node > organization > members { id name } at 2302', () => {
    expect(queryCost(schema, parse(atLimit))).toBe(2302);
    expect(queryCost(schema, parse(aboveLimit))).toBe(2303);
  });

  it('passes exactly at the limit (2302)', () => {
    expect(validateWithLimits(atLimit, { maxCost: 2302 })).toEqual([]);
  });

  it('rejects one point above the limit (2303 > 2302)', () => {
    expectSingleLimitError(
      validateWithLimits(aboveLimit, { maxCost: 2302 }),
      'Query cost 2303 exceeds the limit of 2302',
      2302,
      2303,
    );
  });

  it('cannot be lowered with a negative page size', () => {
    // -1 is priced like an unknown page (100), not as a negative multiplier: 1 + (1 + 100 x 2)
    expect(queryCost(schema, parse('{ users(first: -1) { edges { node { id } } } }'))).toBe(202);
  });

  describe('abstract types', () => {
    const abstractSchema = buildSchema(/* GraphQL */ `
      interface Node {
        id: ID!
      }
      type User implements Node {
        id: ID!
        friends: [User!]!
      }
      type Post implements Node {
        id: ID!
        comments(limit: Int): [Comment!]!
      }
      type Comment {
        id: ID!
      }
      union SearchResult = User | Post
      type Query {
        node(id: ID!): Node
        search(term: String!, limit: Int = 5): [SearchResult!]!
      }
    `);

    it('resolves fields on the interface and on inline fragment type conditions', () => {
      // id 1; friends 1 + 10 x 1 = 11; comments 1 + 2 x 1 = 3; node = 1 + 15
      const source = '{ node(id: "1") { id ... on User { friends { id } } ... on Post { comments(limit: 2) { id } } } }';
      expect(queryCost(abstractSchema, parse(source))).toBe(16);
      expect(validateWithLimits(source, { maxCost: 16 }, abstractSchema)).toEqual([]);
    });

    it('prices a union list by its schema default limit', () => {
      // inner: __typename 0 + id 1 + id 1 = 2; search = 1 + 5 x 2
      const source = '{ search(term: "x") { __typename ... on Post { id } ... on User { id } } }';
      expect(queryCost(abstractSchema, parse(source))).toBe(11);
    });
  });
});

describe('hostile fragment graphs', () => {
  it('survives fragment cycles and leaves reporting them to NoFragmentCyclesRule', () => {
    const source = `
      { me { ...A } }
      fragment A on User { friends { ...B } }
      fragment B on User { friends { ...A } }
    `;
    const errors = validateWithLimits(source, DEFAULT_QUERY_LIMITS);
    expect(errors.some((error) => error.message.startsWith('Cannot spread fragment "A" within itself'))).toBe(true);
    expect(Number.isFinite(queryDepth(parse(source)))).toBe(true);
    expect(Number.isFinite(queryCost(schema, parse(source)))).toBe(true);
  });

  it('measures 2^40 fragment expansions without expanding them', () => {
    // F_i spreads F_(i-1) twice under two aliases, so a naive walk would visit 2^40 leaves.
    // Without memoisation this test never finishes (synchronous, so jest cannot time it out).
    const levels = 40;
    const fragments = ['fragment F0 on User { id }'];
    for (let i = 1; i <= levels; i += 1) {
      fragments.push(`fragment F${i} on User { a: friends { ...F${i - 1} } b: friends { ...F${i - 1} } }`);
    }
    const document = parse(`{ me { ...F${levels} } } ${fragments.join('\n')}`);

    // aliases(F_i) = 2 + 2 x aliases(F_(i-1)), aliases(F0) = 0  =>  2^(i+1) - 2
    expect(queryAliasCount(document)).toBe(2 ** (levels + 1) - 2);
    // me + 40 friends levels + id
    expect(queryDepth(document)).toBe(levels + 2);
    // 20^40 saturates instead of overflowing
    expect(queryCost(schema, document)).toBe(Number.MAX_SAFE_INTEGER);

    const errors = validate(schema, document, queryLimitRules(DEFAULT_QUERY_LIMITS));
    expect(errors.map((error) => error.extensions['actual'])).toEqual([
      levels + 2,
      2 ** (levels + 1) - 2,
      Number.MAX_SAFE_INTEGER,
    ]);
  });
});

describe('introspection (exempt from depth and cost, aliases still counted)', () => {
  // GraphiQL asks for the optional parts too, so check both shapes.
  const introspectionQueries = [
    getIntrospectionQuery(),
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    }),
  ];

  it.each(introspectionQueries)('passes the default limits: %#', (source) => {
    const document = parse(source);
    expect(queryDepth(document)).toBe(0);
    expect(queryCost(schema, document)).toBe(0);
    expect(queryAliasCount(document)).toBe(0);
    expect(validate(schema, document, [...specifiedRules, ...queryLimitRules(DEFAULT_QUERY_LIMITS)])).toEqual([]);
  });

  it('still counts regular fields next to introspection fields', () => {
    const source = '{ __schema { types { fields { type { name } } } } me { friends { id } } }';
    expect(queryDepth(parse(source))).toBe(3);
    expect(queryCost(schema, parse(source))).toBe(12);
  });

  it('still counts aliases inside introspection', () => {
    const source = '{ __schema { a: types { name } b: types { name } } }';
    expect(queryAliasCount(parse(source))).toBe(2);
    expectSingleLimitError(
      validate(schema, parse(source), [aliasLimitRule(1)]),
      'Query alias count 2 exceeds the limit of 1',
      1,
      2,
    );
  });
});

describe('individual rules', () => {
  it('can be used on their own', () => {
    const source = '{ me { friends { id } } }'; // depth 3, cost 12, no aliases
    expect(validate(schema, parse(source), [depthLimitRule(3), aliasLimitRule(0), costLimitRule(12)])).toEqual([]);
    expect(validate(schema, parse(source), [depthLimitRule(2)])).toHaveLength(1);
    expect(validate(schema, parse(source), [costLimitRule(11)])).toHaveLength(1);
  });
});

describe('token limit (enforced by graphql parse, not by a validation rule)', () => {
  // Counted with graphql's own Lexer, independently of the parser's maxTokens bookkeeping.
  function countTokens(source: string): number {
    const lexer = new Lexer(new Source(source));
    let count = 0;
    while (lexer.advance().kind !== TokenKind.EOF) count += 1;
    return count;
  }

  it('counts { me { id } } as 6 tokens', () => {
    expect(countTokens('{ me { id } }')).toBe(6);
  });

  it('parses at exactly maxTokens and aborts one token below', () => {
    const source = '{ me { id } }';
    expect(() => parse(source, { maxTokens: 6 })).not.toThrow();
    expect(() => parse(source, { maxTokens: 5 })).toThrow('Document contains more that 5 tokens');
  });

  it('enforces DEFAULT_QUERY_LIMITS.maxTokens (4000) at the boundary', () => {
    // "{ me {" + k x "id" + "} }" is 5 + k tokens
    const withTokens = (total: number) => `{ me { ${'id '.repeat(total - 5)}} }`;
    const { maxTokens } = DEFAULT_QUERY_LIMITS;
    expect(countTokens(withTokens(maxTokens))).toBe(4000);
    expect(() => parse(withTokens(maxTokens), { maxTokens })).not.toThrow();
    expect(() => parse(withTokens(maxTokens + 1), { maxTokens })).toThrow('Document contains more that 4000 tokens');
  });
});

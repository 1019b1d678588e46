import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildSchema as parseSdl, isEnumType, isInputObjectType, isInterfaceType, isIntrospectionType, isObjectType, isSpecifiedScalarType,
  lexicographicSortSchema, printSchema, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';
import { buildBareSchema, buildSchema, printEmittedSchema } from '../../src/schema';

const ROOT = join(__dirname, '..', '..');
const COMMITTED = join(ROOT, 'schema', 'schema.graphql');
const CHECK_CONTRACT = join('..', 'shared', 'bin', 'check-contract.mjs');

describe('the emitted schema', () => {
  it('equals the committed schema/schema.graphql (after a schema change, run npm run schema:emit)', () => {
    // Line arrays, so a drift shows as a readable diff.
    expect(printEmittedSchema().split('\n')).toEqual(readFileSync(COMMITTED, 'utf8').split('\n'));
  });

  it('is the shape of the served schema: the shield wraps resolvers and changes no type', () => {
    expect(`${printSchema(lexicographicSortSchema(buildSchema()))}\n`).toBe(printEmittedSchema());
  });

  // Plain fields of open types (carriers, parts of a resource) are read inline by the executor; everything a policy
  // guards, or that may be a promise (a count on demand), keeps a resolver.
  it('leaves a resolver off exactly the plain fields of open types', () => {
    const served = buildSchema();
    const resolved = (type: string, field: string) => typeof (served.getType(type) as GraphQLObjectType).getFields()[field].resolve === 'function';
    expect(['Consent.purpose', 'Consent.updatedAt', 'UserEdge.node', 'UserEdge.cursor', 'UserConnection.edges', 'PageInfo.endCursor']
      .filter((f) => resolved(...(f.split('.') as [string, string])))).toEqual([]);
    expect(['UserConnection.totalCount', 'User.id', 'User.role', 'User.name', 'User.consents', 'Query.users']
      .filter((f) => !resolved(...(f.split('.') as [string, string])))).toEqual([]);
  });
});

// The contract lives in the steering folder beside the clone (../shared), which CI always has. A clone on
// its own skips these two tests and says why, rather than failing on a missing file; in CI a missing
// folder is a failure, so the contract is never silently unchecked there.
const HAS_CONTRACT = existsSync(join(ROOT, CHECK_CONTRACT));
const SKIP_REASON = `skipped: ${join('..', 'shared')} (the public contract and its checker) is not beside this clone`;
if (!HAS_CONTRACT && process.env.CI) {
  test('the public contract checker is beside the clone in CI', () => {
    throw new Error(`CI runs with ../shared beside the clone, but ${CHECK_CONTRACT} is missing`);
  });
}
if (!HAS_CONTRACT && !process.env.CI) {
  // eslint-disable-next-line no-console
  console.warn(`Contract tests ${SKIP_REASON}; put the shared folder beside it to run them.`);
}
(HAS_CONTRACT ? describe : describe.skip)(`the public contract (../shared/contract/schema.graphql)${HAS_CONTRACT ? '' : ` (${SKIP_REASON})`}`, () => {
  const runCheck = (schemaPath: string) => {
    return spawnSync(process.execPath, [CHECK_CONTRACT, '--built-only', schemaPath], { cwd: ROOT, encoding: 'utf8' });
  };

  it('given the committed schema, then check-contract --built-only exits 0 with no breaking change', () => {
    const run = runCheck('schema/schema.graphql');
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: expect.stringMatching(/, 0 breaking changes\n$/), stderr: '' });
  });

  it('given a schema that changes a built field incompatibly, then check-contract exits 1 and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aimex-contract-'));
    try {
      const broken = readFileSync(COMMITTED, 'utf8').replace('processors: [Processor!]!', 'processors: [Processor]');
      expect(broken).not.toBe(readFileSync(COMMITTED, 'utf8'));
      writeFileSync(join(dir, 'schema.graphql'), broken);
      const run = runCheck(join(dir, 'schema.graphql'));
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('Query.processors changed type from [Processor!]! to [Processor]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('descriptions (they land in the SDL that clients read)', () => {
  /** Every type, field, input field, query and mutation without a description. */
  function undescribed(schema: GraphQLSchema): string[] {
    const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      // The root types are containers: each query and mutation in them is checked as a field.
      if (!roots.has(type.name) && !type.description?.trim()) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
        }
      }
    }
    return missing.sort();
  }

  it('every type, field, input field, query and mutation has one', () => {
    expect(undescribed(buildBareSchema())).toEqual([]);
  });

  it('every argument and enum value has one, in words a client developer reads (no internal document named)', () => {
    const schema = buildBareSchema();
    const missing: string[] = [];
    const internal: string[] = [];
    const check = (where: string, description: string | null | undefined) => {
      if (!description?.trim()) missing.push(where);
      // The standard scalars cite RFC 3339 and IEEE 754, which clients have; SPEC and "section N" are ours.
      else if (/\bSPEC\b|\bsection \d|\.\.\/shared|STACK\.md|STYLE\.md/.test(description) && !/RFC 3339/.test(description)) internal.push(where);
    };
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type)) continue;
      check(type.name, type.description ?? (isSpecifiedScalarType(type) || [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type as never) ? 'standard' : null));
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(`${type.name}.${field.name}`, field.description);
          for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg.description);
        }
      }
      if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
      if (isEnumType(type)) for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
    expect({ missing, internal }).toEqual({ missing: [], internal: [] });
  });

  it('the check sees what it should: an undescribed type and field are reported', () => {
    const schema = parseSdl('"""Root."""\ntype Query { """A."""\na: T\nb: Int }\ntype T { x: Int }\nenum E { V }');
    expect(undescribed(schema)).toEqual(['E', 'Query.b', 'T', 'T.x']);
  });

  it('covers the enums and scalars of the schema too', () => {
    const schema = buildBareSchema();
    const enums = Object.values(schema.getTypeMap()).filter(isEnumType);
    expect(enums.length).toBeGreaterThan(5);
    expect(enums.every((e) => Boolean(e.description?.trim()))).toBe(true);
    expect(schema.getType('DateTime')?.description).toBeTruthy();
  });
});

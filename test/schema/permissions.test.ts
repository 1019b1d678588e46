import { isIntrospectionType, isObjectType } from 'graphql';
import { RULE_TREE } from '../../src/auth/permissions';
import { buildBareSchema, buildSchema } from '../../src/schema';

// Every `Type.field -> rule` the shield applies, resolved as graphql-shield resolves it: a rule
// on a type covers all its fields; in a field map a missing field takes the map's '*' rule or
// the fallback; a type missing from the tree takes the fallback (deny, see permissions.ts).
// A diff in the snapshot is a permission change: review it as one.

const FALLBACK = 'deny (fallback)';

/** Query and Mutation fields that may stay denied because they are not built yet. Keep it empty when you can. */
const NOT_YET_BUILT: string[] = [];

const LOGIC_NAMES: Record<string, string> = {
  RuleOr: 'or', RuleAnd: 'and', RuleChain: 'chain', RuleRace: 'race', RuleNot: 'not',
};

type AnyRule = { constructor: { name: string }; name?: string; rules?: AnyRule[] };

function isRule(value: unknown): value is AnyRule {
  if (!value || typeof value !== 'object') return false;
  const kind = value.constructor.name;
  return kind === 'Rule' || kind === 'InputRule' || kind === 'RuleTrue' || kind === 'RuleFalse' || kind in LOGIC_NAMES;
}

function ruleName(rule: AnyRule): string {
  const kind = rule.constructor.name;
  if (kind === 'RuleTrue') return 'allow';
  if (kind === 'RuleFalse') return 'deny';
  if (kind in LOGIC_NAMES) return `${LOGIC_NAMES[kind]}(${(rule.rules ?? []).map(ruleName).join(',')})`;
  if (!rule.name) throw new Error('Every rule must be named');
  return rule.name;
}

function ruleFor(typeName: string, fieldName: string): string {
  const entry = (RULE_TREE as Record<string, unknown>)[typeName];
  if (entry === undefined) return FALLBACK;
  if (isRule(entry)) return ruleName(entry);
  const map = entry as Record<string, unknown>;
  const rule = map[fieldName] ?? map['*'];
  if (rule === undefined) return FALLBACK;
  if (!isRule(rule)) throw new Error(`${typeName}.${fieldName} has something that is not a shield rule`);
  return ruleName(rule);
}

function permissionTable(): string[] {
  const schema = buildBareSchema();
  const lines: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.keys(type.getFields())) lines.push(`${type.name}.${field} -> ${ruleFor(type.name, field)}`);
  }
  return lines.sort();
}

describe('the permission table', () => {
  it('matches the reviewed snapshot', () => {
    expect(permissionTable().join('\n')).toMatchSnapshot();
  });

  it('names every rule (graphql-shield names an unnamed rule with a random number)', () => {
    const named = /^[A-Za-z]\w*\.[A-Za-z]\w* -> (deny \(fallback\)|[A-Za-z][\w(),]*)$/;
    expect(permissionTable().filter((line) => !named.test(line) || /\(\)|\(,|,\)|\d\.\d/.test(line))).toEqual([]);
  });

  it('leaves no Query or Mutation field to the fallback deny, except operations not built yet', () => {
    const denied = permissionTable()
      .filter((line) => /^(Query|Mutation)\./.test(line) && line.endsWith(`-> ${FALLBACK}`))
      .map((line) => line.split(' -> ')[0]);
    expect(denied).toEqual(NOT_YET_BUILT);
  });

  it('leaves no field of any type to the fallback: every type is declared in some module\'s rules', () => {
    expect(permissionTable().filter((line) => line.endsWith(`-> ${FALLBACK}`))).toEqual([]);
  });

  it('declares rules only for types and fields that exist (a typo would otherwise guard nothing)', () => {
    const schema = buildBareSchema();
    const stray: string[] = [];
    for (const [typeName, entry] of Object.entries(RULE_TREE)) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) { stray.push(typeName); continue; }
      if (isRule(entry)) continue;
      for (const field of Object.keys(entry as object)) if (field !== '*' && !(field in type.getFields())) stray.push(`${typeName}.${field}`);
    }
    expect(stray).toEqual([]);
    // graphql-shield checks the same when it builds the served schema.
    expect(() => buildSchema()).not.toThrow();
  });

  it('keeps public operations public: SPEC 1 "anyone" operations are allow', () => {
    const table = new Map(permissionTable().map((line) => line.split(' -> ') as [string, string]));
    // SPEC 1's "anyone" list, as far as it is built.
    const publicOps = ['Mutation.signUp', 'Mutation.signIn', 'Mutation.refreshToken', 'Query.privacyPolicy', 'Query.privacyPolicies',
      'Query.consentPurposes', 'Query.processors', 'Query.privacyContacts', 'Query.retentionPolicies', 'Query.missionTemplates', 'Query.products']
      .filter((op) => table.has(op));
    for (const op of publicOps) expect([op, table.get(op)]).toEqual([op, 'allow']);
    // And nothing else at the root is open to anyone.
    const openRoots = [...table].filter(([field, rule]) => /^(Query|Mutation)\./.test(field) && rule === 'allow').map(([field]) => field);
    expect(openRoots.sort()).toEqual([...publicOps].sort());
  });
});

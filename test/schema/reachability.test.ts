import 'reflect-metadata';
import { getNamedType, isIntrospectionType, isObjectType, isUnionType, type GraphQLNamedType } from 'graphql';
import { RULE_TREE, ruleOf as servedRuleOf } from '../../src/auth/permissions';
import { carrier, decisionNow, partOfResource, POLICIES, POLICY_RULES, referenceData } from '../../src/auth/policy';
import { ApiScope, Role } from '../../src/auth/roles';
import type { Viewer } from '../../src/context';
import { buildBareSchema } from '../../src/schema';

// Walks the emitted schema from every root field, as each kind of caller, over
// rows that belong to someone else, asking the very shield rules the server
// applies. A field is reached when its rule lets the caller through on such a
// row; the walk goes on only through reached fields. It fails when a field of
// a private type is reached (beyond the public faces SPEC 1 allows), when a
// private type has a field under a rule that does not consult the parent, and
// when a type is in none of the known kinds.

const ME = '00000000-0000-4000-8000-000000000001';
const THEM = '00000000-0000-4000-8000-000000000002';
const OWN_ORG = '00000000-0000-4000-8000-0000000000a1';
const OTHER_ORG = '00000000-0000-4000-8000-0000000000b2';
const MY_KEY = '00000000-0000-4000-8000-0000000000c1';
const THEIR_KEY = '00000000-0000-4000-8000-0000000000c2';

/** A row of each private type, owned by another user, organization and key. A new policy type needs one here. */
function rowsOf(org: string, user: string, key: string): Record<string, object> {
  const model = { id: '00000000-0000-4000-8000-00000000d001', organization: { id: org } };
  return {
    Organization: { id: org },
    User: { id: user, organization: { id: org } },
    ApiKey: { id: key, organization: { id: org } },
    Invitation: { id: '00000000-0000-4000-8000-00000000d003', organization: { id: org } },
    Dataset: { id: '00000000-0000-4000-8000-00000000d002', organization: { id: org }, createdByApiKeyId: key },
    InfluencerModel: model,
    ModelVersion: { model: { id: model.id } },
    TrainingJob: { model: { id: model.id } },
    GeneratedContent: { model: { id: model.id }, kind: 'POST', createdById: user },
    Conversation: { user: { id: user } },
    ChatMessage: { userId: user },
    Mission: { user: { id: user } },
    MissionCheckIn: { userId: user },
    HealthProfile: { userId: user },
    Purchase: { user: { id: user } },
    Review: { userId: user },
    MissionTemplate: { id: 't', organization: { id: org } },
    Product: { id: 'p', organization: { id: org } },
    ContentItem: { id: 'c', organization: { id: org } },
    AccessLogEntry: { actorId: user },
    AccessLogVerification: {},
    RevealedPersonalData: {},
    PurgeRun: {},
    LegalHold: {},
    UsageStatistics: {},
    DataSubjectRequest: { subjectId: user },
    SeparatedRecord: { subjectId: user },
    WithdrawalReceipt: { userId: user },
  };
}

const foreignRows = rowsOf(OTHER_ORG, THEM, THEIR_KEY);
const ownRows = rowsOf(OWN_ORG, ME, MY_KEY);

const user = (role: Role, organizationId: string | null = null): Viewer => ({ kind: 'user', userId: ME, role, organizationId, sessionId: 's' });
const key = (scope: ApiScope): Viewer => ({ kind: 'apiKey', apiKeyId: MY_KEY, organizationId: OWN_ORG, scopes: [scope] });

const CALLERS: Record<string, Viewer> = {
  anonymous: { kind: 'anonymous' },
  member: user(Role.MEMBER),
  'enterprise of another organization': user(Role.ENTERPRISE, OWN_ORG),
  ...Object.fromEntries(Object.values(ApiScope).map((scope) => [`key with ${scope} alone`, key(scope)])),
  admin: user(Role.ADMIN),
  'privacy officer': user(Role.PRIVACY_OFFICER),
};

/** What anyone may see of someone else's rows: the public catalogue and the public faces (SPEC 1). */
const PUBLIC_CATALOGUE = new Set(['Product', 'MissionTemplate', 'ContentItem']);
const PUBLIC_FACES: Record<string, string[]> = { InfluencerModel: ['id', 'name', 'persona'], Organization: ['id', 'name'], User: ['id'] };
/** Nobody but the subject reads these, staff included (SPEC 1). */
const SUBJECT_ONLY = ['Conversation', 'ChatMessage', 'Mission', 'MissionCheckIn', 'HealthProfile', 'Purchase', 'Review', 'WithdrawalReceipt'];

type AnyRule = { resolve: (parent: unknown, args: unknown, ctx: unknown, info: unknown, options: unknown) => Promise<unknown> };

/** The rule the served schema applies (src/auth/permissions.ts). */
const ruleOf = (typeName: string, fieldName: string) => servedRuleOf(typeName, fieldName) as AnyRule | undefined;

const OPEN_KINDS = new Set<unknown>([carrier, partOfResource, referenceData]);

function contextFor(viewer: Viewer, rows: Record<string, object>) {
  return {
    viewer,
    loaders: { modelById: { load: async () => rows.InfluencerModel } },
    _shield: { cache: {} },
  };
}

async function passes(rule: AnyRule | undefined, parent: unknown, ctx: object): Promise<boolean> {
  if (!rule) return false;
  return (await rule.resolve(parent, {}, ctx, {}, { debug: false, hashFunction: () => 'x' })) === true;
}

/** Every `Type.field` the caller reaches over the given rows, from every root it may call. */
async function walk(viewer: Viewer, rows: Record<string, object>): Promise<Set<string>> {
  const schema = buildBareSchema();
  const reached = new Set<string>();
  const seen = new Set<string>();
  const queue: GraphQLNamedType[] = [];
  const enqueue = (type: GraphQLNamedType) => {
    for (const t of isUnionType(type) ? type.getTypes() : [type]) {
      if (isObjectType(t) && !seen.has(t.name)) {
        seen.add(t.name);
        queue.push(t);
      }
    }
  };
  for (const root of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
    for (const field of Object.values(root.getFields())) {
      if (await passes(ruleOf(root.name, field.name), undefined, contextFor(viewer, rows))) {
        reached.add(`${root.name}.${field.name}`);
        enqueue(getNamedType(field.type));
      }
    }
  }
  while (queue.length) {
    const type = queue.shift()!;
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = ruleOf(type.name, field.name);
      const parent = rows[type.name] ?? {};
      if (await passes(rule, parent, contextFor(viewer, rows))) {
        reached.add(`${type.name}.${field.name}`);
        enqueue(getNamedType(field.type));
      }
    }
  }
  return reached;
}

describe('reachability of private data from every root', () => {
  const schema = buildBareSchema();
  const objectTypes = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && !isIntrospectionType(t) && !['Query', 'Mutation', 'Subscription'].includes(t.name));

  it('classifies every type: a resource with a policy, or a carrier, a part of a resource, or reference data', () => {
    const unclassified = objectTypes.filter((type) => {
      if (POLICIES.has(type.name)) return false;
      const entry = (RULE_TREE as Record<string, unknown>)[type.name];
      return !OPEN_KINDS.has(entry);
    }).map((t) => t.name);
    expect(unclassified).toEqual([]);
  });

  it('guards every field of a resource type with a rule of its policy, which consults the parent row', () => {
    const unguarded: string[] = [];
    for (const type of objectTypes) {
      const policy = POLICIES.get(type.name);
      if (!policy || !isObjectType(type)) continue;
      for (const field of Object.keys(type.getFields())) {
        const made = POLICY_RULES.get(ruleOf(type.name, field) as never);
        if (!made || made.policy !== policy) unguarded.push(`${type.name}.${field}`);
      }
    }
    expect(unguarded).toEqual([]);
  });

  it('enters a part of a resource only through a guarded field (a resource policy, or an operation closed to anonymous callers)', () => {
    const parts = new Set(objectTypes.filter((t) => (RULE_TREE as Record<string, unknown>)[t.name] === partOfResource).map((t) => t.name));
    const openDoors: string[] = [];
    for (const type of [...objectTypes, schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      if (!isObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (!parts.has(getNamedType(field.type).name)) continue;
        const rule = ruleOf(type.name, field.name);
        const guarded = POLICY_RULES.has(rule as never) || parts.has(type.name)
          || (['Query', 'Mutation', 'Subscription'].includes(type.name) && !(rule && OPEN_KINDS.has(rule)) && !(rule?.constructor.name === 'RuleTrue'));
        if (!guarded) openDoors.push(`${type.name}.${field.name}`);
      }
    }
    expect(openDoors).toEqual([]);
  });

  for (const [name, viewer] of Object.entries(CALLERS)) {
    it(`as ${name}, reaches nothing private of another organization or user`, async () => {
      const reached = await walk(viewer, foreignRows);
      const staff = viewer.kind === 'user' && (viewer.role === Role.ADMIN || viewer.role === Role.PRIVACY_OFFICER);
      const leaks = [...reached].filter((path) => {
        const [typeName, field] = path.split('.');
        if (!POLICIES.has(typeName) || PUBLIC_CATALOGUE.has(typeName)) return false;
        if (staff) return SUBJECT_ONLY.includes(typeName);
        return !(PUBLIC_FACES[typeName] ?? []).includes(field);
      });
      expect(leaks).toEqual([]);
    });
  }

  it('as anonymous, sees a coach through a template, but only its public face', async () => {
    const reached = await walk(CALLERS.anonymous, foreignRows);
    expect(reached).toContain('MissionTemplate.coach');
    expect(reached).toContain('InfluencerModel.name');
    expect(reached).toContain('Persona.displayName');
    for (const hidden of ['InfluencerModel.trainingJobs', 'InfluencerModel.versions', 'InfluencerModel.organization', 'TrainingJob.datasets', 'Dataset.preview']) {
      expect(reached).not.toContain(hidden);
    }
  });

  it('as an enterprise user over its own rows, reaches its datasets, jobs and versions (the walk can see what it looks for)', async () => {
    const reached = await walk(CALLERS['enterprise of another organization'], ownRows);
    for (const visible of ['InfluencerModel.trainingJobs', 'TrainingJob.datasets', 'Dataset.preview', 'Dataset.piiFindings', 'ModelVersion.metrics', 'Organization.apiKeys']) {
      expect(reached).toContain(visible);
    }
  });

  it('as a key with MODELS_READ over its own organization, reaches models and jobs but no dataset', async () => {
    const reached = await walk(CALLERS['key with MODELS_READ alone'], ownRows);
    expect(reached).toContain('TrainingJob.events');
    expect([...reached].filter((p) => p.startsWith('Dataset.') || p.startsWith('ApiKey.'))).toEqual([]);
    expect([...reached].filter((p) => p.startsWith('User.'))).toEqual(['User.id']);
  });

  it('as a key with DATASETS_WRITE, reaches the datasets it created and no model internals', async () => {
    const reached = await walk(CALLERS['key with DATASETS_WRITE alone'], ownRows);
    expect(reached).toContain('Dataset.preview');
    expect([...reached].filter((p) => /^(TrainingJob|ModelVersion)\./.test(p))).toEqual([]);
  });

  it('as an admin, reads organizations\' data but no subject-only data of anyone', async () => {
    const reached = await walk(CALLERS.admin, foreignRows);
    expect(reached).toContain('Dataset.preview');
    expect([...reached].filter((p) => SUBJECT_ONLY.includes(p.split('.')[0]))).toEqual([]);
  });

  // The served schema applies a rule's decision at once when it is known (src/auth/permissions.ts); it must be
  // the decision the shield would reach, for every field, caller and row, and exist for every policy rule.
  it('decides at once exactly as the shield rule does, for every field of every type, caller and row', async () => {
    const disagreements: string[] = [];
    let decided = 0;
    for (const [name, viewer] of Object.entries(CALLERS)) {
      for (const [rowsName, rows] of Object.entries({ foreign: foreignRows, own: ownRows })) {
        for (const type of objectTypes) {
          if (!isObjectType(type)) continue;
          for (const field of Object.keys(type.getFields())) {
            const rule = ruleOf(type.name, field);
            const now = decisionNow(rule);
            if (POLICY_RULES.has(rule as never) || OPEN_KINDS.has(rule)) expect(now).toBeDefined();
            if (!now) continue;
            const parent = { ...(rows[type.name] ?? {}) };
            // Fresh viewer objects: the policies memoize per viewer and row, so neither answer can borrow the other's.
            const verdict = now(parent, contextFor({ ...viewer } as Viewer, rows) as never);
            const shielded = await passes(rule, { ...parent }, contextFor({ ...viewer } as Viewer, rows));
            if (verdict === undefined) continue;
            decided += 1;
            if (verdict !== shielded) disagreements.push(`${name} over ${rowsName} rows: ${type.name}.${field} now ${verdict}, shield ${shielded}`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(decided).toBeGreaterThan(1000);
  });
});

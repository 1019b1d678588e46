import { rule } from 'graphql-shield';
import type { Context, Viewer } from '../context';
import { notFound } from '../errors';

/**
 * Who reads which row is decided once per resource, by a policy: the shield
 * rules on the resource's GraphQL type ask it with the parent object, and
 * services and edge resolvers ask it for the rows they load. An edge added
 * later cannot leak: it reaches the type, and the type asks the policy.
 */

/** Everything the viewer may see of the row, or only its public face. */
export type Projection = 'full' | 'public';

/** What a policy may consult besides the row: the viewer, and the request's loaders for related rows. */
export type PolicyContext = Pick<Context, 'viewer' | 'loaders'>;

type Check<Row> = (ctx: PolicyContext, row: Row) => boolean | Promise<boolean>;

export interface PolicyDefinition<Row> {
  /** The GraphQL object type whose fields it guards. */
  type: string;
  /** What the viewer gets of the row: 'full', 'public' (the fields in publicFields) or null (nothing). */
  project(ctx: PolicyContext, row: Row): Projection | null | Promise<Projection | null>;
  /** The fields of the public face. */
  publicFields?: readonly string[];
  /** Fields with a stricter check of their own than 'full' (an organization's members, a user's health profile). */
  fieldChecks?: Record<string, Check<Row>>;
  /** The check for fields not named above (fields added later); 'full' when absent. */
  otherFields?: Check<Row>;
}

export interface Policy<Row> extends Required<Omit<PolicyDefinition<Row>, 'otherFields'>> {
  /** Memoized per viewer and row: every field of a row asks, the answer is computed once. */
  projection(ctx: PolicyContext, row: Row): Promise<Projection | null>;
  /** May the viewer read the row as a whole (not only its public face)? */
  canRead(ctx: PolicyContext, row: Row): Promise<boolean>;
  /** The shield field map for the type: '*' is 'full', public fields and checked fields have rules of their own. */
  readonly rules: Record<string, Record<string, unknown>>;
}

type AnyRule = ReturnType<ReturnType<typeof rule>>;

/** Every shield rule a policy made, with what it checks: the reachability test reads it. */
export const POLICY_RULES = new Map<AnyRule, { policy: Policy<never>; aspect: 'full' | 'public' | string }>();
export const POLICIES = new Map<string, Policy<never>>();

/**
 * The decision of a rule when it can be made without waiting: true or false, or
 * undefined when only the rule's promise can tell. The served schema applies it
 * before the shield's own (asynchronous) middleware (src/auth/permissions.ts), so
 * a page of 100 users does not pay a promise for each of its 2,000 fields; the
 * reachability test holds it to the same answers as the rule.
 */
export type DecisionNow = (parent: unknown, ctx: Context) => boolean | undefined;
const DECISIONS_NOW = new Map<AnyRule, DecisionNow>();
export const decisionNow = (shieldRule: unknown): DecisionNow | undefined => DECISIONS_NOW.get(shieldRule as AnyRule);

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as Promise<T>)?.then === 'function';

export function definePolicy<Row extends object>(definition: PolicyDefinition<Row>): Policy<Row> {
  if (POLICIES.has(definition.type)) throw new Error(`A policy for ${definition.type} exists already`);
  const memo = new WeakMap<Viewer, WeakMap<Row, Promise<Projection | null>>>();
  // The answers known without waiting: a projection computed synchronously is stored here at once, so the
  // other fields of the row (resolved in the same tick) are decided without a promise.
  const settled = new WeakMap<Viewer, WeakMap<Row, Projection | null>>();
  const rowsOf = <V>(map: WeakMap<Viewer, WeakMap<Row, V>>, viewer: Viewer) => {
    let rows = map.get(viewer);
    if (!rows) map.set(viewer, (rows = new WeakMap()));
    return rows;
  };
  /** The answer when it is known or computed synchronously; undefined while the policy's promise runs. */
  const projectionNow = (ctx: PolicyContext, row: Row): Projection | null | undefined => {
    const known = rowsOf(settled, ctx.viewer);
    if (known.has(row)) return known.get(row);
    const pending = rowsOf(memo, ctx.viewer);
    if (pending.has(row)) return undefined;
    const value = definition.project(ctx, row);
    if (isPromise(value)) {
      pending.set(row, value.then((answer) => (known.set(row, answer), answer)));
      return undefined;
    }
    known.set(row, value);
    pending.set(row, Promise.resolve(value));
    return value;
  };
  /** Memoized per viewer and row: every field of a row asks, the policy answers once. */
  const projection = (ctx: PolicyContext, row: Row): Promise<Projection | null> => {
    projectionNow(ctx, row);
    return rowsOf(memo, ctx.viewer).get(row)!;
  };
  const canRead = async (ctx: PolicyContext, row: Row) => (await projection(ctx, row)) === 'full';
  const publicFields = definition.publicFields ?? [];
  const fieldChecks = definition.fieldChecks ?? {};

  const made: Array<[AnyRule, string]> = [];
  // One decision per aspect, from the row's projection: the shield rule awaits it, the decision now uses it when
  // it is known. Parent rules answer false, not an error: the FORBIDDEN fallback error says it, without a stack per field.
  type Decide = (ctx: PolicyContext, row: Row, projected: Projection | null) => boolean | Promise<boolean>;
  const parentRule = (aspect: string, decide: Decide) => {
    const shieldRule = rule(`${definition.type}Policy_${aspect}`, { cache: 'no_cache' })(async (parent: Row, _args, ctx: Context) => {
      if (parent === null || typeof parent !== 'object') return false;
      return decide(ctx, parent, await projection(ctx, parent));
    });
    DECISIONS_NOW.set(shieldRule, (parent, ctx) => {
      if (parent === null || typeof parent !== 'object') return false;
      const projected = projectionNow(ctx, parent as Row);
      if (projected === undefined) return undefined;
      const verdict = decide(ctx, parent as Row, projected);
      return typeof verdict === 'boolean' ? verdict : undefined;
    });
    made.push([shieldRule, aspect]);
    return shieldRule;
  };
  const other = definition.otherFields;
  const fieldMap: Record<string, unknown> = {
    '*': other
      ? parentRule('otherFields', (ctx, row, projected) => projected === 'full' && other(ctx, row))
      : parentRule('full', (_ctx, _row, projected) => projected === 'full'),
  };
  if (publicFields.length) {
    const face = parentRule('public', (_ctx, _row, projected) => projected !== null);
    for (const field of publicFields) fieldMap[field] = face;
  }
  for (const [field, check] of Object.entries(fieldChecks)) {
    fieldMap[field] = parentRule(field, (ctx, row, projected) => projected !== null && check(ctx, row));
  }

  const { otherFields: _other, ...rest } = definition;
  const policy: Policy<Row> = {
    ...rest, publicFields, fieldChecks, projection, canRead, rules: { [definition.type]: fieldMap },
  };
  POLICIES.set(definition.type, policy as unknown as Policy<never>);
  for (const [shieldRule, aspect] of made) POLICY_RULES.set(shieldRule, { policy: policy as unknown as Policy<never>, aspect });
  return policy;
}

/** A resource whose rows are for some roles whole, and for nobody else (staff records, privacy records). */
export function rolePolicy(type: string, allowed: (viewer: Viewer) => boolean): Policy<object> {
  return definePolicy<object>({ type, project: (ctx) => (allowed(ctx.viewer) ? 'full' : null) });
}

/** The row when the viewer may read it whole; NOT_FOUND otherwise, so ids outside the viewer's scope leak nothing. */
export async function readableOr404<Row extends object>(ctx: PolicyContext, policy: Policy<Row>, row: Row | null | undefined, what: string): Promise<Row> {
  if (!row || !(await policy.canRead(ctx, row))) throw notFound(what);
  return row;
}

/** The row when the viewer may see it at all (its public face included), else null: what a nullable edge answers. */
export async function visibleOrNull<Row extends object>(ctx: PolicyContext, policy: Policy<Row>, row: Row | null | undefined): Promise<Row | null> {
  return row && (await policy.projection(ctx, row)) !== null ? row : null;
}

/** The rows the viewer may read whole: what a list edge answers. */
export async function readableOnly<Row extends object>(ctx: PolicyContext, policy: Policy<Row>, rows: readonly Row[]): Promise<Row[]> {
  const keep = await Promise.all(rows.map((row) => policy.canRead(ctx, row)));
  return rows.filter((_, i) => keep[i]);
}

// Types that hold no organization or personal data of their own. Named rules
// rather than `allow`, so the permission table and the reachability test can
// tell why a type is open.

/** Public reference data: the privacy policy, processors, purposes. */
export const referenceData = rule('referenceData', { cache: 'contextual' })(() => true);
/** A wrapper (connection, edge, mutation payload) around resources that are guarded by their own types. */
export const carrier = rule('carrier', { cache: 'contextual' })(() => true);
/** A value inside one resource (a persona, a metric, a consent): reached only through that resource's guarded fields. */
export const partOfResource = rule('partOfResource', { cache: 'contextual' })(() => true);
// They always let through: decided at once.
const OPEN_RULES = new Set<unknown>([referenceData, carrier, partOfResource]);
for (const open of OPEN_RULES) DECISIONS_NOW.set(open as AnyRule, () => true);
/** Whether a rule lets every caller through (the type is guarded where it is reached, not in itself). */
export const isOpenRule = (shieldRule: unknown): boolean => OPEN_RULES.has(shieldRule);

/** A resource that is its subject's alone: nobody else reads it, staff included (health, conversations, purchases). */
export function subjectPolicy<Row extends object>(type: string, subjectOf: (row: Row) => string | null | undefined): Policy<Row> {
  return definePolicy<Row>({
    type,
    project: ({ viewer }, row) => {
      const subject = subjectOf(row);
      return subject && viewer.kind === 'user' && viewer.userId === subject ? 'full' : null;
    },
  });
}

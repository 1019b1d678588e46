/**
 * Validation rules that reject abusive GraphQL operations before any resolver runs.
 *
 * WHY these semantics:
 *
 * - Depth = number of nested field selections (`me` is 1, `me { id }` is 2). Fragment spreads
 *   and inline fragments are followed but add no depth of their own, because they do not add a
 *   resolver level; nesting is what drives N+1 fan-out and recursion (`friends { friends ... }`).
 *
 * - Introspection is exempt from depth and cost: any field whose name starts with `__`
 *   (`__typename`, `__schema`, `__type`) counts 0 together with its whole subtree. The standard
 *   getIntrospectionQuery() is 15 levels deep (the TypeRef fragment nests `ofType` 9 times)
 *   and fans out over every type/field/argument, so it could never pass the default limits
 *   otherwise. This is acceptable because introspection is disabled in production and its
 *   resolvers walk the in-memory schema, not the database. `__typename` is free for the same
 *   reason. Aliases are NOT exempt: counting them everywhere costs nothing legitimate.
 *
 * - Aliases = aliased fields in the operation, counted once per fragment spread, because each
 *   alias makes the server resolve the field again (the classic alias-amplification attack).
 *
 * - Cost = every field costs 1; a list field costs 1 + multiplier x (cost of its sub-selection):
 *     - list field with a `first`/`last`/`limit` argument: that argument's value. Variable values
 *       are not visible to validation rules, and a client can send any value at run time, so a
 *       variable (or explicit null / non-integer) is priced at MAX_PAGE_SIZE; an omitted
 *       argument uses the schema default (`users(first: Int = 20)`), else MAX_PAGE_SIZE;
 *     - list field without such an argument: ASSUMED_LIST_SIZE (10), an assumed fan-out;
 *     - Relay connections (object type named `...Connection` with a list field `edges`): the
 *       connection field itself is not a list, so its page size is handed down to `edges`,
 *       which is priced like a list of that size (or ASSUMED_LIST_SIZE when the connection
 *       field has no page-size argument). `pageInfo`/`totalCount` are plain fields.
 *   Fields unknown to the schema cost 1 flat (they fail FieldsOnCorrectTypeRule anyway).
 *   Abstract types are handled by resolving field definitions on the interface, or on the
 *   type condition of the enclosing fragment. Costs saturate at Number.MAX_SAFE_INTEGER so
 *   huge literals cannot overflow to Infinity (Infinity x 0 would be NaN and pass the check).
 *
 * - Every limit is evaluated per operation; a document fails if any operation exceeds.
 *   Fragments are memoised per name, so documents whose fragments spread each other many times
 *   cannot make the rule itself exponential, and a fragment already being expanded counts 0 so
 *   cycles cannot recurse forever (NoFragmentCyclesRule reports them).
 *
 * The token limit is not a validation rule: Apollo hands `parseOptions: { maxTokens }` to
 * graphql's parse(), which aborts before building an AST. It only lives in QueryLimits.
 */
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
} from 'graphql';
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
  ValueNode,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 30, maxCost: 20000, maxTokens: 4000 };

/** Largest page the resolvers serve; the price of a page size we cannot see at validation time. */
export const MAX_PAGE_SIZE = 100;
/** Fan-out assumed for list fields that the client cannot bound with an argument. */
export const ASSUMED_LIST_SIZE = 10;

const PAGE_SIZE_ARGUMENTS: ReadonlySet<string> = new Set(['first', 'last', 'limit']);
const COST_CEILING = Number.MAX_SAFE_INTEGER;

type FragmentMap = ReadonlyMap<string, FragmentDefinitionNode>;

// ---------------------------------------------------------------------------------------------
// Validation rules
// ---------------------------------------------------------------------------------------------

export function depthLimitRule(maxDepth: number): ValidationRule {
  return operationLimitRule('depth', maxDepth, (operation, _context, fragments) =>
    operationDepth(operation, fragments),
  );
}

export function aliasLimitRule(maxAliases: number): ValidationRule {
  return operationLimitRule('alias count', maxAliases, (operation, _context, fragments) =>
    operationAliasCount(operation, fragments),
  );
}

export function costLimitRule(maxCost: number): ValidationRule {
  return operationLimitRule('cost', maxCost, (operation, context, fragments) =>
    operationCost(context.getSchema(), operation, fragments),
  );
}

export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), costLimitRule(limits.maxCost)];
}

type OperationMeasure = (
  operation: OperationDefinitionNode,
  context: ValidationContext,
  fragments: FragmentMap,
) => number;

function operationLimitRule(what: string, limit: number, measure: OperationMeasure): ValidationRule {
  return (context) => {
    const fragments = fragmentMap(context.getDocument());
    return {
      OperationDefinition(operation) {
        const actual = measure(operation, context, fragments);
        if (actual > limit) context.reportError(limitError(what, limit, actual, operation));
        // The measure already walked the whole operation; this rule needs nothing below it.
        return false;
      },
    };
  };
}

function limitError(what: string, limit: number, actual: number, operation: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(`Query ${what} ${actual} exceeds the limit of ${limit}`, {
    nodes: operation,
    extensions: { code: 'QUERY_TOO_COMPLEX', limit, actual },
  });
}

// ---------------------------------------------------------------------------------------------
// Document-level helpers (max over operations unless operationName picks one)
// ---------------------------------------------------------------------------------------------

export function queryDepth(document: DocumentNode, operationName?: string): number {
  const fragments = fragmentMap(document);
  return maxOver(selectOperations(document, operationName), (operation) => operationDepth(operation, fragments));
}

export function queryAliasCount(document: DocumentNode, operationName?: string): number {
  const fragments = fragmentMap(document);
  return maxOver(selectOperations(document, operationName), (operation) => operationAliasCount(operation, fragments));
}

export function queryCost(schema: GraphQLSchema, document: DocumentNode, operationName?: string): number {
  const fragments = fragmentMap(document);
  return maxOver(selectOperations(document, operationName), (operation) => operationCost(schema, operation, fragments));
}

function selectOperations(document: DocumentNode, operationName?: string): OperationDefinitionNode[] {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName === undefined) return operations;
  const named = operations.filter((operation) => operation.name?.value === operationName);
  // A typo in a test or caller should not silently measure nothing.
  if (named.length === 0) throw new Error(`Unknown operation named "${operationName}"`);
  return named;
}

function maxOver<T>(items: readonly T[], measure: (item: T) => number): number {
  return items.reduce((max, item) => Math.max(max, measure(item)), 0);
}

function fragmentMap(document: DocumentNode): FragmentMap {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    // First definition wins; duplicates are reported by UniqueFragmentNamesRule.
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(definition.name.value)) {
      fragments.set(definition.name.value, definition);
    }
  }
  return fragments;
}

function isIntrospectionField(field: FieldNode): boolean {
  return field.name.value.startsWith('__');
}

/**
 * Expands a fragment at most once per key: memoisation keeps the walk linear in the document
 * size, and the in-progress set turns a cycle into 0 instead of infinite recursion.
 */
class FragmentExpander<T> {
  private readonly memo = new Map<string, T>();
  private readonly inProgress = new Set<string>();

  constructor(
    readonly fragments: FragmentMap,
    private readonly empty: T,
  ) {}

  expand(name: string, key: string, compute: (fragment: FragmentDefinitionNode) => T): T {
    const fragment = this.fragments.get(name);
    if (fragment === undefined || this.inProgress.has(key)) return this.empty;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    this.inProgress.add(key);
    try {
      const value = compute(fragment);
      this.memo.set(key, value);
      return value;
    } finally {
      this.inProgress.delete(key);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Depth
// ---------------------------------------------------------------------------------------------

function operationDepth(operation: OperationDefinitionNode, fragments: FragmentMap): number {
  return selectionSetDepth(operation.selectionSet, new FragmentExpander(fragments, 0));
}

function selectionSetDepth(selectionSet: SelectionSetNode, expander: FragmentExpander<number>): number {
  return maxOver(selectionSet.selections, (selection) => selectionDepth(selection, expander));
}

function selectionDepth(selection: SelectionNode, expander: FragmentExpander<number>): number {
  switch (selection.kind) {
    case Kind.FIELD:
      if (isIntrospectionField(selection)) return 0;
      return 1 + (selection.selectionSet ? selectionSetDepth(selection.selectionSet, expander) : 0);
    case Kind.INLINE_FRAGMENT:
      return selectionSetDepth(selection.selectionSet, expander);
    case Kind.FRAGMENT_SPREAD: {
      const name = selection.name.value;
      return expander.expand(name, name, (fragment) => selectionSetDepth(fragment.selectionSet, expander));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Aliases
// ---------------------------------------------------------------------------------------------

function operationAliasCount(operation: OperationDefinitionNode, fragments: FragmentMap): number {
  return selectionSetAliases(operation.selectionSet, new FragmentExpander(fragments, 0));
}

function selectionSetAliases(selectionSet: SelectionSetNode, expander: FragmentExpander<number>): number {
  return selectionSet.selections.reduce((sum, selection) => sum + selectionAliases(selection, expander), 0);
}

function selectionAliases(selection: SelectionNode, expander: FragmentExpander<number>): number {
  switch (selection.kind) {
    case Kind.FIELD: {
      const own = selection.alias ? 1 : 0;
      return own + (selection.selectionSet ? selectionSetAliases(selection.selectionSet, expander) : 0);
    }
    case Kind.INLINE_FRAGMENT:
      return selectionSetAliases(selection.selectionSet, expander);
    case Kind.FRAGMENT_SPREAD: {
      const name = selection.name.value;
      return expander.expand(name, name, (fragment) => selectionSetAliases(fragment.selectionSet, expander));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------------------------

interface CostScope {
  readonly schema: GraphQLSchema;
  readonly expander: FragmentExpander<number>;
}

/**
 * `parentType` is undefined when the schema does not know the type; `pageSize` is the page size
 * of the connection field whose selection this is (only meaningful for `edges`).
 */
interface CostPosition {
  readonly parentType: GraphQLNamedType | undefined;
  readonly pageSize: number | undefined;
}

function operationCost(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: FragmentMap): number {
  const scope: CostScope = { schema, expander: new FragmentExpander(fragments, 0) };
  const rootType = schema.getRootType(operation.operation) ?? undefined;
  return selectionSetCost(operation.selectionSet, { parentType: rootType, pageSize: undefined }, scope);
}

function selectionSetCost(selectionSet: SelectionSetNode, position: CostPosition, scope: CostScope): number {
  return selectionSet.selections.reduce((sum, selection) => add(sum, selectionCost(selection, position, scope)), 0);
}

function selectionCost(selection: SelectionNode, position: CostPosition, scope: CostScope): number {
  switch (selection.kind) {
    case Kind.FIELD:
      return fieldCost(selection, position, scope);
    case Kind.INLINE_FRAGMENT: {
      const typeName = selection.typeCondition?.name.value;
      const parentType = typeName === undefined ? position.parentType : scope.schema.getType(typeName);
      return selectionSetCost(selection.selectionSet, { ...position, parentType }, scope);
    }
    case Kind.FRAGMENT_SPREAD: {
      const name = selection.name.value;
      // The same fragment under connections of different page sizes has different costs.
      return scope.expander.expand(name, `${name}:${position.pageSize ?? ''}`, (fragment) =>
        selectionSetCost(
          fragment.selectionSet,
          { ...position, parentType: scope.schema.getType(fragment.typeCondition.name.value) },
          scope,
        ),
      );
    }
  }
}

function fieldCost(field: FieldNode, position: CostPosition, scope: CostScope): number {
  if (isIntrospectionField(field)) return 0;
  const definition = fieldDefinition(position.parentType, field.name.value);
  if (definition === undefined || field.selectionSet === undefined) return 1;
  const returnType = getNamedType(definition.type);
  const childPosition: CostPosition = {
    parentType: returnType,
    pageSize: isConnectionType(returnType) ? pageSizeArgument(definition, field) : undefined,
  };
  const childCost = selectionSetCost(field.selectionSet, childPosition, scope);
  return add(1, multiply(listMultiplier(definition, field, position), childCost));
}

function fieldDefinition(
  parentType: GraphQLNamedType | undefined,
  fieldName: string,
): GraphQLField<unknown, unknown> | undefined {
  // Unions expose no fields besides __typename, which never reaches this point.
  if (isObjectType(parentType) || isInterfaceType(parentType)) return parentType.getFields()[fieldName];
  return undefined;
}

function listMultiplier(
  definition: GraphQLField<unknown, unknown>,
  field: FieldNode,
  position: CostPosition,
): number {
  if (!isListType(getNullableType(definition.type))) return 1;
  if (field.name.value === 'edges' && isConnectionType(position.parentType)) {
    return position.pageSize ?? ASSUMED_LIST_SIZE;
  }
  return pageSizeArgument(definition, field) ?? ASSUMED_LIST_SIZE;
}

function isConnectionType(type: GraphQLNamedType | undefined): boolean {
  if (!isObjectType(type) || !type.name.endsWith('Connection')) return false;
  const edges = type.getFields()['edges'];
  return edges !== undefined && isListType(getNullableType(edges.type));
}

/** undefined when the field takes no page-size argument at all, i.e. the client cannot bound it. */
function pageSizeArgument(definition: GraphQLField<unknown, unknown>, field: FieldNode): number | undefined {
  const declared = definition.args.filter((argument) => PAGE_SIZE_ARGUMENTS.has(argument.name));
  if (declared.length === 0) return undefined;
  const declaredNames = new Set(declared.map((argument) => argument.name));
  const supplied = (field.arguments ?? []).filter((argument) => declaredNames.has(argument.name.value));
  if (supplied.length > 0) return Math.max(...supplied.map((argument) => literalPageSize(argument.value)));
  // Omitted argument: the resolver sees the schema default.
  const defaults = declared.map((argument) => argument.defaultValue).filter(isPageSize);
  return defaults.length > 0 ? Math.max(...defaults) : MAX_PAGE_SIZE;
}

function literalPageSize(value: ValueNode): number {
  if (value.kind !== Kind.INT) return MAX_PAGE_SIZE; // variable, null, or invalid literal
  const size = Number(value.value);
  // A literal too long for a double is a huge page, not an unknown one (IntValue is digits only).
  if (!Number.isFinite(size)) return COST_CEILING;
  return isPageSize(size) ? Math.min(size, COST_CEILING) : MAX_PAGE_SIZE;
}

function isPageSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function add(a: number, b: number): number {
  return Math.min(a + b, COST_CEILING);
}

function multiply(a: number, b: number): number {
  return Math.min(a * b, COST_CEILING);
}

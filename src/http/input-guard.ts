import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';

// One check for every string a caller sends (SPEC 2: bad input is never INTERNAL_SERVER_ERROR).
//
// PostgreSQL refuses a NUL character in text ("invalid byte sequence") and an unpaired UTF-16
// surrogate in jsonb, so such a string would fail deep inside a service as an internal error.
// Instead, after Apollo has parsed and validated the operation and before anything executes
// (`didResolveOperation`), every string literal of the operation (arguments of its fields and
// directives, fragments included, and variable defaults) and every string inside the values of its
// declared variables is checked; the first bad one answers HTTP 400 BAD_USER_INPUT with
// `extensions.field` naming the argument path it would reach. Nothing of the operation runs.
// A lone surrogate cannot be written in a GraphQL literal (the parser refuses it), only in JSON.

export type InputPath = readonly (string | number)[];

const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for a string holding a NUL character or an unpaired surrogate. */
export const isSafeText = (text: string): boolean => !UNSAFE.test(text);

/**
 * The `extensions.field` convention of the services: the path inside the `input` argument when
 * the argument is the conventional `input` object (`persona.language`), the argument name otherwise
 * (`reason`), list positions in brackets (`consents[1].purpose`).
 */
export function fieldName(path: InputPath): string {
  const parts = path.length > 1 && path[0] === 'input' ? path.slice(1) : path;
  return parts.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** Where each variable of an operation is first used, as an argument path (`input`, `input.name`, `ids[0]`). */
const argumentPaths = new WeakMap<VariableDefinitionNode, InputPath>();

/** The argument path a variable feeds, once the guard has seen its operation. */
export const argumentPathOf = (definition: VariableDefinitionNode): InputPath | undefined => argumentPaths.get(definition);

interface Plan {
  /** The first string literal of the operation that is not safe text, as an argument path. */
  unsafeLiteral: InputPath | null;
}

// The same parsed document comes back from Apollo's document cache, so each operation is walked once.
const plans = new WeakMap<OperationDefinitionNode, Plan>();

function planFor(document: DocumentNode, operation: OperationDefinitionNode): Plan {
  const cached = plans.get(operation);
  if (cached) return cached;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const usage = new Map<string, InputPath>();
  let unsafeLiteral: InputPath | null = null;

  const walkValue = (node: ValueNode, path: InputPath): void => {
    switch (node.kind) {
      case Kind.VARIABLE:
        if (!usage.has(node.name.value)) usage.set(node.name.value, path);
        return;
      case Kind.STRING:
        if (!unsafeLiteral && !isSafeText(node.value)) unsafeLiteral = path;
        return;
      case Kind.LIST:
        node.values.forEach((value, i) => walkValue(value, [...path, i]));
        return;
      case Kind.OBJECT:
        for (const field of node.fields) walkValue(field.value, [...path, field.name.value]);
        return;
      default:
    }
  };
  const visited = new Set<string>();
  const walkSelections = (selectionSet: SelectionSetNode | undefined): void => {
    for (const selection of selectionSet?.selections ?? []) {
      for (const directive of selection.directives ?? []) {
        for (const argument of directive.arguments ?? []) walkValue(argument.value, [argument.name.value]);
      }
      if (selection.kind === Kind.FIELD) {
        for (const argument of selection.arguments ?? []) walkValue(argument.value, [argument.name.value]);
        walkSelections(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walkSelections(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        walkSelections(fragments.get(selection.name.value)?.selectionSet);
      }
    }
  };
  walkSelections(operation.selectionSet);

  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const path = usage.get(name) ?? [name];
    argumentPaths.set(definition, path);
    if (definition.defaultValue) walkValue(definition.defaultValue, path);
  }
  const plan = { unsafeLiteral };
  plans.set(operation, plan);
  return plan;
}

/** The path of the first string (or object key) in a JSON value that is not safe text; iterative, so any depth is fine. */
export function findUnsafeText(value: unknown, at: InputPath = []): InputPath | null {
  const stack: [unknown, InputPath][] = [[value, at]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (!isSafeText(current)) return path;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push([current[i], [...path, i]]);
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      // A bad key is reported at its object: the key itself is never echoed.
      if (entries.some(([key]) => !isSafeText(key))) return path;
      for (let i = entries.length - 1; i >= 0; i -= 1) stack.push([entries[i][1], [...path, entries[i][0]]]);
    }
  }
  return null;
}

export function unsafeTextError(path: InputPath): GraphQLError {
  const field = fieldName(path);
  return new GraphQLError(`${field} contains a character that is not allowed (a NUL character or an unpaired UTF-16 surrogate)`, {
    extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
  });
}

/** Throws BAD_USER_INPUT for the first unsafe string of the operation's literals or declared variables. */
export function checkOperationInput(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): void {
  const plan = planFor(document, operation);
  if (plan.unsafeLiteral) throw unsafeTextError(plan.unsafeLiteral);
  if (!variables) return;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!Object.prototype.hasOwnProperty.call(variables, name)) continue;
    const bad = findUnsafeText(variables[name], argumentPaths.get(definition) ?? [name]);
    if (bad) throw unsafeTextError(bad);
  }
}

/** The Apollo plugin: runs the check once the operation is known, before it executes. */
export function inputGuardPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  const listener = {
    async didResolveOperation({ document, operation, request }: { document: DocumentNode; operation?: OperationDefinitionNode; request: { variables?: Record<string, unknown> } }) {
      if (operation) checkOperationInput(document, operation, request.variables);
    },
  };
  return { requestDidStart: async () => listener };
}

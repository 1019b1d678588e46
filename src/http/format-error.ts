import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, Kind, print, type GraphQLFormattedError, type VariableDefinitionNode } from 'graphql';
import { AppError, PUBLIC_CODES } from '../errors';
import { argumentPathOf, fieldName, type InputPath } from './input-guard';

const GENERIC = 'Something went wrong on our side. Try again later.';

/**
 * Errors of the GraphQL protocol itself keep Apollo's standard codes (SPEC 2), which clients and
 * tooling recognise (an APQ client retries with the full query on PERSISTED_QUERY_NOT_FOUND).
 */
export const PROTOCOL_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'BAD_REQUEST',
]);

/** graphql-js gives up after `maxCoercionErrors` (50) with this error, which carries no code. */
const TOO_MANY_VARIABLE_ERRORS = 'Too many errors processing variables, error limit reached. Execution aborted.';

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
// Suggestions name schema fields and enum values only: matched strictly, so submitted text never passes as one.
const FIELD_SUGGESTION = / Did you mean "[_A-Za-z]\w*"(?:(?:, or |, | or )"[_A-Za-z]\w*")*\?$/;
const ENUM_SUGGESTION = / Did you mean the enum value "[_A-Za-z]\w*"(?:(?:, or |, | or )"[_A-Za-z]\w*")*\?$/;

export interface FormatErrorOptions {
  /** No "Did you mean" anywhere, in any message. */
  production: boolean;
}

type Extensions = Record<string, unknown>;
type Classified = { message: string; extensions: Extensions } | null;

const pathText = (path: InputPath) => path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');

/** Apollo wraps graphql's coercion error once more (UserInputError); its originalError is the inner cause. */
function variableDefinitionOf(error: GraphQLError): VariableDefinitionNode | undefined {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  return node?.kind === Kind.VARIABLE_DEFINITION ? node : undefined;
}

/**
 * graphql's variable-coercion messages quote the submitted value (`got invalid value { email: ...,
 * password: "..." }`), and the inner cause often quotes it again. They are rebuilt from the variable
 * name, the path and the expected type, taken from the parts of the message graphql itself writes.
 */
function coercionError(error: GraphQLError, definition: VariableDefinitionNode, production: boolean): Classified {
  const name = definition.variable.name.value;
  const argumentPath = argumentPathOf(definition) ?? [name];
  const at = (path: InputPath) => ({ code: 'BAD_USER_INPUT', field: fieldName([...argumentPath, ...path]) });
  if (error.message.startsWith(`Variable "$${name}" of required type `) || error.message.startsWith(`Variable "$${name}" of non-null type `)) {
    return { message: error.message, extensions: at([]) };
  }
  if (!error.message.startsWith(`Variable "$${name}" got invalid value `)) return null;

  const inner = error.originalError?.message ?? '';
  // The message is `<prefix>; <inner>`, the prefix ending in ` at "<name><path>"` when the fault is inside
  // the value. The printed value before it is JSON-quoted or a bracketed structure, so it cannot end in that shape.
  let path: InputPath = [];
  if (inner && error.message.endsWith(`; ${inner}`)) {
    const prefix = error.message.slice(0, error.message.length - inner.length - 2);
    const match = new RegExp(` at "${name}((?:\\.[_A-Za-z][_0-9A-Za-z]*|\\[\\d+\\])*)"$`).exec(prefix);
    if (match) path = [...match[1].matchAll(/\.([_A-Za-z][_0-9A-Za-z]*)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  }
  const where = `Variable "$${name}"${path.length > 0 ? ` at "${name}${pathText(path)}"` : ''}`;
  const suggestion = (pattern: RegExp) => (production ? '' : pattern.exec(inner)?.[0] ?? '');

  let match: RegExpExecArray | null;
  if ((match = /^Field "([_A-Za-z]\w*)" of required type "[^"]+" was not provided\.$/.exec(inner))) {
    return { message: `${where}: ${inner}`, extensions: at([...path, match[1]]) };
  }
  if ((match = /^Field "([\s\S]*)" is not defined by type "(\w+)"\.(?: Did you mean [\s\S]*\?)?$/.exec(inner))) {
    const key = match[1];
    const field = NAME.test(key) ? `field "${key}"` : 'a field';
    return { message: `${where} has ${field} that is not defined by type "${match[2]}".${suggestion(FIELD_SUGGESTION)}`, extensions: at(path) };
  }
  if ((match = /^Expected non-nullable type "([^"]+)" not to be null\.$/.exec(inner))) {
    return { message: `${where} must not be null (type "${match[1]}").`, extensions: at(path) };
  }
  if ((match = /^Expected type "([^"]+)" to be an object\.$/.exec(inner))) {
    return { message: `${where} got an invalid value; expected an object of type "${match[1]}".`, extensions: at(path) };
  }
  const enumName = /" does not exist in "(\w+)" enum\.(?: Did you mean [\s\S]*\?)?$/.exec(inner)?.[1] ?? /^Enum "(\w+)" cannot represent /.exec(inner)?.[1];
  if (enumName) {
    return { message: `${where} got an invalid value; expected a value of enum "${enumName}".${suggestion(ENUM_SUGGESTION)}`, extensions: at(path) };
  }
  const type = /^Expected type "([^"]+)"/.exec(inner)?.[1] ?? /^(\w+) cannot represent /.exec(inner)?.[1] ?? (path.length === 0 ? print(definition.type) : null);
  return { message: `${where} got an invalid value; ${type ? `expected type "${type}"` : 'expected a valid value'}.`, extensions: at(path) };
}

/** Validation messages about literals quote the literal (`found "..."`): the value is cut, the expected type kept. */
export function withoutLiteral(message: string): string {
  let match: RegExpExecArray | null;
  if ((match = /^Expected value of type "([^"]+)", found [\s\S]*$/.exec(message))) return `Expected value of type "${match[1]}".`;
  if ((match = /^Value "[\s\S]*" does not exist in "(\w+)" enum\.(?: Did you mean [\s\S]*\?)?$/.exec(message))
    || (match = /^Enum "(\w+)" cannot represent [\s\S]*$/.exec(message))) {
    return `Expected a value of enum "${match[1]}".${ENUM_SUGGESTION.exec(message)?.[0] ?? ''}`;
  }
  if ((match = /^(\w+) cannot represent ([^:]*?): [\s\S]*$/.exec(message))) return `${match[1]} cannot represent ${match[2]}.`;
  if ((match = /^(\w+) cannot represent (an invalid [\w-]+)[\s\S]*$/.exec(message))) return `${match[1]} cannot represent ${match[2]}.`;
  if ((match = /^(\w+) cannot represent [\s\S]*$/.exec(message))) return `${match[1]} cannot represent the value given.`;
  return message;
}

/** The public shape of an error, or null for an internal one (generic message, logged). */
function classify(formatted: GraphQLFormattedError, error: unknown, production: boolean): Classified {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return { message: original.message, extensions: { ...original.extensions, code: original.code } };
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  const code = formatted.extensions?.code as string | undefined;

  const definition = graphqlError && code === 'BAD_USER_INPUT' ? variableDefinitionOf(graphqlError) : undefined;
  if (definition) {
    const rewritten = coercionError(graphqlError!, definition, production);
    if (rewritten) return rewritten;
  }
  if (code && PUBLIC_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    return { message: formatted.message, extensions };
  }
  if (code === 'GRAPHQL_PARSE_FAILED') {
    // graphql's parser reports the token limit as a syntax error (graphql 16 spells it "more that").
    const tooComplex = /more tha[nt] \d+ tokens/.test(formatted.message);
    return { message: formatted.message, extensions: { code: tooComplex ? 'QUERY_TOO_COMPLEX' : code } };
  }
  if (code === 'GRAPHQL_VALIDATION_FAILED') {
    // Apollo re-codes every validation error GRAPHQL_VALIDATION_FAILED; the limit rules' own code
    // (QUERY_TOO_COMPLEX, with limit and actual) is on the error it wraps.
    const wrapped = graphqlError?.originalError;
    if (wrapped instanceof GraphQLError && wrapped.extensions?.code === 'QUERY_TOO_COMPLEX') {
      return { message: formatted.message, extensions: { ...wrapped.extensions } };
    }
    // Apollo's own wording names the server and the setting that would turn introspection on.
    if (formatted.extensions?.validationErrorCode === 'INTROSPECTION_DISABLED') {
      return { message: 'Introspection is not allowed', extensions: { code } };
    }
    return { message: withoutLiteral(formatted.message), extensions: { code } };
  }
  if (code && PROTOCOL_CODES.has(code)) return { message: formatted.message, extensions: { code } };
  // An unknown or missing operationName: the request names no operation it holds.
  if (code === 'OPERATION_RESOLUTION_FAILURE') return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
  if (graphqlError && graphqlError.extensions?.code === undefined && !graphqlError.path && !graphqlError.originalError) {
    // Apollo's request checks without a code of their own ("provided sha does not match query",
    // "Unsupported persisted query version") carry an HTTP 4xx status: the request is at fault.
    const status = (graphqlError.extensions?.http as { status?: unknown } | undefined)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    }
    if (graphqlError.message === TOO_MANY_VARIABLE_ERRORS) {
      return { message: 'Too many invalid variable values: the first 50 are reported; correct them and send the request again.', extensions: { code: 'BAD_USER_INPUT' } };
    }
  }
  return null;
}

const withoutSuggestions = (message: string) => message.replace(/ ?Did you mean[\s\S]*$/, '');

/** Maps every error to the public codes of SPEC 2 (plus the protocol codes); anything unknown says nothing about itself. */
export function createFormatError(options: FormatErrorOptions): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const base = { locations: formatted.locations, path: formatted.path };
    const classified = classify(formatted, error, options.production);
    if (!classified) return { ...base, message: GENERIC, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    return { ...base, message: options.production ? withoutSuggestions(classified.message) : classified.message, extensions: classified.extensions };
  };
}

/** The development formatter (suggestions kept). */
export const formatError = createFormatError({ production: false });

/** True when the formatter answers INTERNAL_SERVER_ERROR: only those are logged as failures. */
export const isInternal = (error: unknown): boolean => {
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  const formatted: GraphQLFormattedError = {
    message: graphqlError?.message ?? String((error as Error | undefined)?.message ?? error),
    extensions: { ...graphqlError?.extensions, code: graphqlError?.extensions?.code ?? 'INTERNAL_SERVER_ERROR' },
  };
  return classify(formatted, error, false) === null;
};

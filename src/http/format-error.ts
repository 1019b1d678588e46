import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, PUBLIC_CODES } from '../errors';

const GENERIC = 'Something went wrong on our side. Try again later.';

/** Apollo's own codes for requests it could not run: the caller's input is at fault. */
const INPUT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/** Maps every error to the closed set of public codes (SPEC 2); anything unknown says nothing about itself. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { locations: formatted.locations, path: formatted.path };
  if (original instanceof AppError) {
    return { ...base, message: original.message, extensions: { ...original.extensions, code: original.code } };
  }
  const code = formatted.extensions?.code as string | undefined;
  if (code && PUBLIC_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    return { ...base, message: formatted.message, extensions };
  }
  if (code && INPUT_CODES.has(code)) {
    // Apollo re-codes every validation error GRAPHQL_VALIDATION_FAILED; the limit rules' own code
    // (QUERY_TOO_COMPLEX, with limit and actual) is on the error it wraps.
    const wrapped = error instanceof GraphQLError ? error.originalError : undefined;
    if (wrapped instanceof GraphQLError && wrapped.extensions?.code === 'QUERY_TOO_COMPLEX') {
      return { ...base, message: formatted.message, extensions: { ...wrapped.extensions } };
    }
    // graphql's parser reports the token limit as a syntax error (graphql 16 spells it "more that").
    const tooComplex = /more tha[nt] \d+ tokens/.test(formatted.message);
    return { ...base, message: formatted.message, extensions: { code: tooComplex ? 'QUERY_TOO_COMPLEX' : 'BAD_USER_INPUT' } };
  }
  return { ...base, message: GENERIC, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export const isInternal = (error: unknown): boolean => {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return false;
  if (original instanceof GraphQLError && original.extensions?.code && original.extensions.code !== 'INTERNAL_SERVER_ERROR') return false;
  return true;
};

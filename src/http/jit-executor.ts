import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { execute, GraphQLError, printSchema, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

type Gateway = ApolloServerOptionsWithGateway<Record<string, unknown>>['gateway'];

/** Operations compiled at once: clients send a few hundred distinct ones; a stranger's novelties push out the oldest. */
const COMPILED_OPERATIONS = 1000;

/**
 * Executes operations with graphql-jit instead of graphql-js: each distinct operation is compiled once into a
 * function that walks the selection with the schema's own resolvers (the shield's rules included), without
 * graphql-js's per-field bookkeeping. A page of 100 users is a few thousand fields, and that bookkeeping was
 * the largest part of its cost. Apollo Server still parses, validates (query limits too) and formats errors:
 * it hands the executor a validated document through its gateway interface, the one way it takes another executor.
 */
export function jitGateway(schema: GraphQLSchema): Gateway {
  const compiled = new LRUCache<string, CompiledQuery>({ max: COMPILED_OPERATIONS });
  const sdl = printSchema(schema);
  return {
    async load() {
      return {
        schema,
        executor: async (request) => {
          const variables = request.request.variables ?? {};
          // Whatever fails before execution answers as graphql-js would (Apollo tells a variable's coercion error
          // from others by graphql-js's error, and answers it HTTP 400): no operation, or a variable that does not coerce.
          if (!request.operation) return execute({ schema, document: request.document, operationName: request.request.operationName, contextValue: request.context, variableValues: variables });
          const coerced = getVariableValues(schema, request.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
          if (coerced.errors) return { errors: coerced.errors };
          const key = `${request.request.operationName ?? ''}\u0000${request.source}`;
          let query = compiled.get(key);
          if (!query) {
            const result = compileQuery(schema, request.document, request.request.operationName ?? undefined, { disableLeafSerialization: false });
            if (!isCompiledQuery(result)) return result as ExecutionResult;
            query = result;
            compiled.set(key, query);
          }
          const result = await query.query(undefined, request.context, variables);
          // graphql-jit's errors may lack `extensions`, which Apollo's error formatting reads: rebuilt as graphql-js makes them.
          return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: sdl });
      return () => undefined;
    },
    async stop() {},
  };
}

function asGraphQLError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
    originalError: error.originalError ?? undefined, extensions: error.extensions ?? undefined,
  });
  // graphql-jit gives locations, not the nodes graphql-js would compute them from.
  if (!rebuilt.locations && error.locations) (rebuilt as { locations: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}

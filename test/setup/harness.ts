import 'reflect-metadata';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Logger } from 'pino';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';

export interface GqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors?: { message: string; path?: (string | number)[]; extensions: Record<string, unknown> & { code: string } }[];
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

/** GraphQL and plain HTTP calls to an API at `url` (in this process or another). */
export interface GraphqlClient {
  url: string;
  gql<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables?: TVariables, options?: CallOptions): Promise<GqlResult<TResult>>;
  raw(body: string | object, options?: CallOptions & { method?: string; path?: string }): Promise<{ status: number; body: any; headers: Headers }>;
}

export interface TestServer extends GraphqlClient {
  app: App;
  close(): Promise<void>;
}

/**
 * The real app (PostgreSQL, Redis, S3) listening on a free port; settings may be overridden per test file,
 * and `log` may be a logger whose lines the test reads (createLogger(config, stream)).
 */
export async function startServer(env: Record<string, string> = {}, options: { log?: Logger } = {}): Promise<TestServer> {
  const config = loadConfig({ ...process.env, ...env });
  const app = await createApp(config, { s3Endpoint: config.s3.endpoint!, log: options.log });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, ...graphqlClient(`http://127.0.0.1:${port}`), close: () => app.close() };
}

export function graphqlClient(url: string): GraphqlClient {
  const headersFor = (options: CallOptions = {}): Record<string, string> => ({
    'content-type': 'application/json',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
    ...options.headers,
  });

  return {
    url,
    async gql(document, variables, options) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: headersFor(options),
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as any;
      return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
    },
    async raw(body, options = {}) {
      const response = await fetch(`${url}${options.path ?? '/graphql'}`, {
        method: options.method ?? 'POST',
        headers: headersFor(options),
        body: options.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
}

/** Asserts a GraphQL error's code (and optional field) and returns it. */
export function expectError(result: GqlResult<unknown>, code: string, field?: string) {
  expect(result.errors?.map((e) => e.extensions.code)).toContain(code);
  const error = result.errors!.find((e) => e.extensions.code === code)!;
  if (field) expect(error.extensions.field).toBe(field);
  return error;
}

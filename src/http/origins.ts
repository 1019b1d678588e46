// Pure: config.ts validates CORS_ORIGINS with it, without loading the plugin.

/**
 * Browsers on the origins of CORS_ORIGINS may call the API (and, through the
 * bucket's own CORS rule, upload to its pre-signed URLs). An entry is an
 * origin (`https://app.example.com`), optionally with `*` for the port
 * (`http://localhost:*`) or one leading subdomain label (`https://*.example.com`).
 */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'] as const;
/** What a browser client sends beyond the CORS-safelisted headers (Apollo Client, graphql-ws fallbacks, tracing). */
export const CORS_ALLOWED_HEADERS = [
  'authorization', 'content-type', 'x-api-key', 'apollo-require-preflight', 'x-apollo-operation-name',
  'apollographql-client-name', 'apollographql-client-version', 'x-request-id', 'traceparent', 'tracestate',
] as const;

const ORIGIN = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(?::(\d{1,5}|\*))?$/i;

/** Checks one CORS_ORIGINS entry; returns an error text, or null when it is well-formed. */
export function invalidOriginPattern(entry: string): string | null {
  if (entry === '*') return 'a bare "*" would let every site act with its visitors\' credentials; list the origins';
  if (!ORIGIN.test(entry)) return `"${entry}" is not an origin such as https://app.example.com or http://localhost:*`;
  return null;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One matcher for every pattern: exact origins, a port wildcard, a leading subdomain wildcard. */
export function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.length === 0) return () => false;
  const sources = patterns.map((pattern) => {
    const match = ORIGIN.exec(pattern)!;
    const [, scheme, subdomain, host, port] = match;
    return `${escape(scheme.toLowerCase())}://${subdomain ? '[a-z0-9-]+\\.' : ''}${escape(host.toLowerCase())}${
      port === '*' ? '(?::\\d{1,5})?' : port ? `:${port}` : ''}`;
  });
  const regex = new RegExp(`^(?:${sources.join('|')})$`);
  return (origin) => regex.test(origin.toLowerCase());
}

/** The development default: the local GraphiQL (same origin as the API) and any http://localhost port. */
export function defaultDevelopmentOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'http://localhost:*'];
}

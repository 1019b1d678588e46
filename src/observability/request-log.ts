import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';

/** An incoming x-request-id is kept when it looks like an id (a UUID, a ULID, a proxy's token), never when it could carry text. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function requestIdFrom(header: string | string[] | undefined): string | null {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : null;
}

const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics']);

export interface RequestSummary {
  operation: string | null;
  viewer?: string;
  errors?: number;
}

/**
 * One line per request when the response has gone (probes and scrapes at
 * debug level): request id, method, route (the pattern, never the query
 * string), status, duration and the GraphQL operation; and the HTTP histogram.
 */
export function registerRequestLog(app: FastifyInstance, log: Logger, summaryOf: (request: FastifyRequest) => RequestSummary | undefined, metrics?: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    metrics?.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const summary = summaryOf(request);
    const line = {
      requestId: request.id, method: request.method, route, status: reply.statusCode, ms,
      ...(summary ? { operation: summary.operation, viewer: summary.viewer, errors: summary.errors } : {}),
    };
    if (QUIET_ROUTES.has(route)) log.debug(line, 'request');
    else log.info(line, 'request');
  });
}

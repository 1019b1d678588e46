// OpenTelemetry tracing, off unless an OTLP endpoint is configured. Loaded by
// the entry points (src/main.ts, jobs/worker.ts) before anything else, so the
// http, fastify, graphql, pg and ioredis modules are instrumented when loaded.
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { tracingConfig } from '../config';

// The SDK and its instrumentations are required only when tracing is on: a process (or a test file) without it
// loads none of them.
/* eslint-disable @typescript-eslint/no-require-imports */
const load = () => ({
  ...(require('@fastify/otel') as typeof import('@fastify/otel')),
  ...(require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')),
  ...(require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql')),
  ...(require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http')),
  ...(require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis')),
  ...(require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg')),
  ...(require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node')),
});

let sdk: NodeSDK | null = null;

/**
 * Starts the SDK when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is
 * set; the exporter and the SDK read their other standard OTEL_* settings
 * themselves (headers, sampler, batch delays). Incoming `traceparent` headers
 * continue the caller's trace (W3C trace context). Spans carry no statement
 * values, no request bodies and no GraphQL variables.
 */
export function startTracing(serviceName: string): boolean {
  const config = tracingConfig();
  if (!config.enabled || sdk) return Boolean(sdk);
  const { FastifyOtelInstrumentation, GraphQLInstrumentation, HttpInstrumentation, IORedisInstrumentation, NodeSDK, OTLPTraceExporter, PgInstrumentation } = load();
  sdk = new NodeSDK({
    serviceName: config.serviceName ?? serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => ['/health', '/ready', '/metrics'].includes(request.url ?? '') }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      // Operation names and field paths only: no variables, no literal values of the query.
      new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true, allowValues: false }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  sdk.start();
  return true;
}

export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = null;
  await running?.shutdown().catch(() => undefined);
}

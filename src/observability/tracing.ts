// OpenTelemetry tracing, off unless an OTLP endpoint is configured. Loaded by
// the entry points (src/main.ts, jobs/worker.ts) before anything else, so the
// http, fastify, graphql, pg and ioredis modules are instrumented when loaded.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { tracingConfig } from '../config';

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

import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { apolloLogger } from '../logging/logger';
import type { Config } from '../config';
import type { Context, Viewer } from '../context';
import { createLoaders } from '../loaders';
import { AccessReads } from '../privacy/access-reads';
import { KeyRing } from '../privacy/key-ring';
import { buildSchema } from '../schema';
import type { Services } from '../services';
import type { ConnectionOptions } from 'bullmq';
import { registerCors } from './cors';
import { registerQueueConsole } from './queue-console';
import { registerExportRoute } from './exports-route';
import { createFormatError, isInternal } from './format-error';
import { GRAPHIQL_HTML, registerGraphiqlAssets } from './graphiql';
import { inputGuardPlugin } from './input-guard';
import { jitGateway } from './jit-executor';
import { queryLimitRules } from './query-limits';
import { registerMetricsRoute, type Metrics } from '../observability/metrics';
import { registerRequestLog, requestIdFrom } from '../observability/request-log';
import { RealtimeHub } from '../realtime/hub';
import { CLOSE, registerSubscriptions } from '../realtime/ws';

const errorBody = (message: string, code: string, extensions: Record<string, unknown> = {}) =>
  ({ errors: [{ message, extensions: { code, ...extensions } }] });

function httpError(message: string, code: string, status: number, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status } } });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Starts a shutdown: /ready answers 503 and subscriptions close with 1012 (reconnect), requests go on being served. */
    beginDrain(): void;
  }
}

export interface HealthChecks {
  postgres: () => Promise<unknown>;
  redis: () => Promise<unknown>;
  s3: () => Promise<unknown>;
}

export async function createHttpServer(config: Readonly<Config>, services: Services, health: HealthChecks, observability: { metrics?: Metrics; queues?: { names: readonly string[]; connection: ConnectionOptions } } = {}): Promise<FastifyInstance> {
  const log = services.log;
  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    // A well-formed incoming x-request-id (from a proxy or the client) is kept, so one id follows the request everywhere.
    genReqId: (request) => requestIdFrom(request.headers['x-request-id']) ?? randomUUID(),
    trustProxy: config.trustProxy,
    // close() waits for every connection to end by itself: idle ones are closed when the drain begins, and while
    // draining each answer ends its connection, so none is cut with a request in it (main.ts bounds the wait).
    forceCloseConnections: false,
    logger: false,
  });
  // First of all hooks: preflights are answered before the rate limit or Apollo's CSRF guard see them.
  await registerCors(app, config);

  // The credentials of a request's headers, or of a WebSocket's connection_init (src/realtime/ws.ts).
  const resolveCredentials = async (credentials: { authorization?: string; apiKey?: string | string[] }, em: Context['em']): Promise<Viewer> => {
    const auth = credentials.authorization;
    const apiKey = credentials.apiKey;
    if (auth && apiKey) throw httpError('Send either a bearer token or an API key, not both', 'BAD_USER_INPUT', 400);
    if (typeof apiKey === 'string') {
      const viewer = await services.apiKeys.authenticate({ em }, apiKey);
      if (!viewer) throw httpError('API key is not valid or was revoked', 'UNAUTHENTICATED', 401);
      return viewer;
    }
    if (auth) {
      const match = /^Bearer (.+)$/i.exec(auth);
      const claims = match ? await services.tokens.verifyAccessToken(match[1].trim()) : null;
      const session = claims ? await services.sessions.viewerFor(em, claims.sessionId) : null;
      if (!claims || !session || session.userId !== claims.userId || session.status !== 'ACTIVE') {
        throw httpError('Access token is not valid or has expired; refresh it or sign in again', 'UNAUTHENTICATED', 401);
      }
      // The role comes from the database, so a role change applies at once.
      return { kind: 'user', userId: session.userId, role: session.role as never, organizationId: session.organizationId, sessionId: claims.sessionId };
    }
    return { kind: 'anonymous' };
  };
  const resolveViewer = (request: FastifyRequest, em: Context['em']) =>
    resolveCredentials({ authorization: request.headers.authorization, apiKey: request.headers['x-api-key'] }, em);

  // Second stage, once the credential is known: per account or API key (anonymous requests were counted per IP).
  const limitIdentity = async (viewer: Viewer) => {
    if (viewer.kind === 'anonymous') return;
    const who = viewer.kind === 'user' ? `u:${viewer.userId}` : `k:${viewer.apiKeyId}`;
    const verdict = await services.rateLimits.requestsPerIdentity.consume(who);
    if (!verdict.allowed) {
      throw new GraphQLError('Too many requests; slow down', {
        extensions: {
          code: 'RATE_LIMITED', retryAfterSeconds: verdict.retryAfterSeconds,
          http: { status: 429, headers: new Map([['retry-after', String(verdict.retryAfterSeconds)]]) },
        },
      });
    }
  };

  const requestPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ contextValue, operationName, operation }) {
          const firstField = operation?.selectionSet.selections.find((s) => s.kind === 'Field');
          contextValue.operationName = operationName ?? (firstField && 'name' in firstField ? firstField.name.value : null);
          contextValue.visit.operation = contextValue.operationName;
          // Staff reads are written while the operation runs (a page's entries beside its remaining queries), and
          // willSendResponse waits for them.
          contextValue.accessReads.writeAsRead(() => ({
            em: contextValue.em.fork(), log: services.accessLog, viewer: contextValue.viewer, ip: contextValue.ip, operation: contextValue.operationName,
          }), (subjectId) => contextValue.keys.has(subjectId));
        },
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            // The logger's err serializer scrubs it (src/logging/scrub.ts): no SQL literal, driver detail or personal data.
            if (isInternal(error)) log.error({ err: error, requestId: contextValue?.requestId }, 'request failed');
          }
        },
        async willSendResponse({ contextValue, response }) {
          // A RATE_LIMITED answer from a resolver (a sign-in lock) carries Retry-After like a 429 does.
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors ?? [] : [];
          const retryAfter = errors.find((e) => e.extensions?.code === 'RATE_LIMITED')?.extensions?.retryAfterSeconds;
          if (typeof retryAfter === 'number') response.http.headers.set('retry-after', String(retryAfter));
          // The same fault, the same status: a server-side failure (PostgreSQL, S3 or a bug) is HTTP 500 whether a resolver
          // or the context (the credential's session lookup) met it, like a failure before GraphQL runs.
          if (errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')) response.http.status = 500;
          if (!contextValue?.em) return;
          // signUp and signIn change the viewer mid-request: the visit is theirs.
          if (contextValue.viewer.kind === 'user') contextValue.visit.userId = contextValue.viewer.userId;
          // For the request's one log line (src/observability/request-log.ts), written when the response has gone.
          Object.assign(contextValue.visit, { viewer: contextValue.viewer.kind, errors: errors.length });
          // Written before the response leaves: a staff read is never unlogged.
          if (contextValue.accessReads.pending) {
            try {
              await contextValue.accessReads.flush(contextValue.em.fork(), services.accessLog, contextValue.viewer, contextValue.ip, contextValue.operationName);
            } catch (error) {
              // Logged here, scrubbed; what Apollo gets (it answers HTTP 500) carries no SQL or driver detail of its own.
              log.error({ err: error, requestId: contextValue.requestId }, 'access log write failed');
              throw new Error('The access log could not be written');
            }
          }
        },
      };
    },
  };

  const production = config.nodeEnv === 'production';
  const schema = buildSchema();
  // GraphQL over WebSocket on the same route: the same schema, rules, limits and error formatting.
  const hub = new RealtimeHub(config.redisUrl, log);
  const subscriptions = await registerSubscriptions(app, config, {
    schema, services, hub, validationRules: queryLimitRules(config.queryLimits), formatError: createFormatError({ production }), resolveViewer: resolveCredentials,
  });
  const apollo = new ApolloServer<Context>({
    // Through Apollo's gateway interface, its one way to take another executor (src/http/jit-executor.ts).
    ...(config.graphqlJit ? { gateway: jitGateway(schema) as never } : { schema }),
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // main.ts owns shutdown; Apollo's own signal handlers would race it and hang close().
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    validationRules: queryLimitRules(config.queryLimits),
    parseOptions: { maxTokens: config.queryLimits.maxTokens },
    formatError: createFormatError({ production }),
    // Apollo's own messages (an unexpected failure while answering) go through the service's logger, not the console.
    logger: apolloLogger(log),
    // No cache hints are used: without the cache-control plugin no plugin resolves per field, and
    // Apollo does not wrap every field's resolver (a page of 100 users has thousands of fields).
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), inputGuardPlugin<Context>(), requestPlugin,
      ...(observability.metrics ? [observability.metrics.apolloPlugin<Context>()] : [])],
  });
  await apollo.start();

  // Apollo runs each operation on a shallow clone of the context, so what the
  // web-visit record needs is kept in an object the clone shares.
  const visits = new WeakMap<FastifyRequest, Context['visit']>();
  const context = async (request: FastifyRequest): Promise<Context> => {
    const em = services.orm.em.fork();
    let viewer: Viewer;
    try {
      viewer = await resolveViewer(request, em);
      await limitIdentity(viewer);
    } catch (error) {
      // No operation runs and no plugin hook sees this failure (a session lookup with PostgreSQL away): logged
      // here, once, with the request id; refusals (401, 429) are answers, not failures.
      if (isInternal(error)) log.error({ err: error, requestId: request.id }, 'request failed');
      throw error;
    }
    const ctx: Context = {
      requestId: request.id, ip: request.ip, operationName: null, viewer, em,
      keys: new KeyRing(em, services.master), loaders: createLoaders(em), accessReads: new AccessReads(), services, log: log.child({ requestId: request.id }),
      visit: { operation: null, userId: viewer.kind === 'user' ? viewer.userId : null },
    };
    visits.set(request, ctx.visit);
    return ctx;
  };
  const graphql = fastifyApolloHandler(apollo, { context });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody(`Request body exceeds ${config.bodyLimitBytes} bytes`, 'PAYLOAD_TOO_LARGE', { limitBytes: config.bodyLimitBytes }));
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody('The request could not be read', 'BAD_USER_INPUT'));
    }
    log.error({ err: error, requestId: request.id }, 'unhandled HTTP error');
    return reply.code(500).send(errorBody('Something went wrong on our side. Try again later.', 'INTERNAL_SERVER_ERROR'));
  });

  // First stage, before any credential is looked at (so a flood of bad API keys or tokens costs no database
  // look-up): every request per client IP. Probes are not counted: a load balancer shares one address.
  app.addHook('onRequest', async (request, reply) => {
    if (!services.rateLimits.requestsPerIp.enabled || request.url === '/health' || request.url === '/ready' || request.url === '/metrics') return;
    const verdict = await services.rateLimits.requestsPerIp.consume(request.ip);
    if (!verdict.allowed) {
      return reply.code(429).header('retry-after', String(verdict.retryAfterSeconds))
        .send(errorBody('Too many requests from this address; slow down', 'RATE_LIMITED', { retryAfterSeconds: verdict.retryAfterSeconds }));
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    // Every /graphql request is a web visit, refused ones (401, 413, 429) included;
    // buffered before the reply leaves, written in batches off the request path.
    if (request.url.startsWith('/graphql') && !reply.getHeader('content-type')?.toString().startsWith('text/html')) {
      const visit = visits.get(request);
      services.usage.visit({ at: new Date(), ipAddress: request.ip, operation: visit?.operation ?? null, userId: visit?.userId ?? null });
    }
    return payload;
  });

  const graphqlRoute = {
    url: '/graphql',
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      if (Array.isArray(request.body)) {
        return reply.code(400).send(errorBody('Batched operations are not supported; send one operation per request', 'BAD_USER_INPUT'));
      }
      const wantsPage = request.method === 'GET' && !(request.query as Record<string, unknown>)?.query
        && (request.headers.accept ?? '').includes('text/html');
      if (wantsPage && !production) return reply.header('content-type', 'text/html; charset=utf-8').send(GRAPHIQL_HTML);
      return graphql.call(app, request as never, reply as never);
    },
  };
  // OPTIONS is the CORS plugin's: a preflight from an allowed origin is answered in its hook, any other is 404.
  // A GET asking to upgrade is a graphql-ws socket (@fastify/websocket takes a wsHandler on GET routes only).
  app.route({ ...graphqlRoute, method: 'GET', wsHandler: subscriptions.handler });
  app.route({ ...graphqlRoute, method: 'POST' });
  if (!production) registerGraphiqlAssets(app);

  registerExportRoute(app, services.orm, services);
  registerRequestLog(app, log, (request) => visits.get(request), observability.metrics);
  // Metrics on the API port unless METRICS_PORT gives them a port of their own (src/app.ts).
  if (observability.metrics && config.metrics.port === null) registerMetricsRoute(app, observability.metrics);
  // The BullMQ console for ADMIN accounts (src/http/queue-console.ts).
  const closeConsole = observability.queues ? await registerQueueConsole(app, config, services, observability.queues) : null;
  app.get('/health', async () => ({ status: 'ok' }));
  // From the first moment of a shutdown: not ready (a load balancer stops sending), still serving what comes.
  let draining = false;
  app.decorate('beginDrain', () => {
    draining = true;
    app.server.closeIdleConnections();
    subscriptions.closeAll(CLOSE.restart.code, CLOSE.restart.reason);
  });
  // Keep-alive connections are not reused while draining: a request sent on an idle connection just as the
  // server closes it would be reset; each answer now ends its connection, and the next request opens a new one.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    return payload;
  });
  app.get('/ready', async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining', checks: {} });
    const results = await Promise.all(Object.entries(health).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), 2000); })]);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'unavailable'] as const;
      } finally {
        // A pending timer per probe would keep the process (and jest) alive for 2 s after each one.
        clearTimeout(timer);
      }
    }));
    const ready = results.every(([, status]) => status === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });

  app.addHook('onClose', async () => {
    subscriptions.closeAll(CLOSE.restart.code, CLOSE.restart.reason);
    await hub.close();
    await closeConsole?.();
    await apollo.stop();
  });
  return app;
}

import { randomUUID } from 'node:crypto';
import websocket, { type WebSocket, type WebsocketHandler } from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NoSchemaIntrospectionCustomRule, specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { Config } from '../config';
import type { Context, Viewer } from '../context';
import { originMatcher } from '../http/origins';
import { createLoaders } from '../loaders';
import { AccessReads } from '../privacy/access-reads';
import { KeyRing } from '../privacy/key-ring';
import type { Services } from '../services';
import type { RealtimeHub } from './hub';

/** Close codes a client can act on (graphql-ws keeps 4400-4499 for the protocol; these are its meanings). */
export const CLOSE = {
  /** The credential in connection_init is missing, wrong or expired: refresh the token and reconnect. */
  unauthorized: { code: 4401, reason: 'Access token or API key is not valid or has expired; refresh it and reconnect' },
  /** The session ended (sign-out, password or role change, removal) or the API key was revoked: sign in again. */
  revoked: { code: 4403, reason: 'The session ended or the API key was revoked; sign in again' },
  /** The page's origin is not allowed (CORS_ORIGINS). */
  origin: { code: 4403, reason: 'This origin may not use the API' },
  /** The server is shutting down (a deploy): reconnect, another instance answers. */
  restart: { code: 1012, reason: 'Server restarting; reconnect' },
} as const;

interface Connection {
  viewer: Viewer;
  timer: NodeJS.Timeout | null;
}

export interface Subscriptions {
  handler: WebsocketHandler;
  /** Sockets open now. */
  size(): number;
  /** Closes every socket (shutdown). */
  closeAll(code: number, reason: string): void;
}

export interface SubscriptionOptions {
  schema: GraphQLSchema;
  services: Services;
  hub: RealtimeHub;
  validationRules: ValidationRule[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** The credential check of HTTP requests, given connection_init's payload instead of headers. */
  resolveViewer: (credentials: { authorization?: string; apiKey?: string }, em: Context['em']) => Promise<Viewer>;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The access token's expiry (already verified by resolveViewer): the socket closes then. */
function tokenExpiry(authorization: string | undefined): number | null {
  const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (!token) return null;
  try {
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * GraphQL over WebSocket (graphql-ws) on the /graphql route: the same schema,
 * shield rules and policies as HTTP, the same query limits and error
 * formatting. The client authenticates in connection_init
 * (`{ authorization: 'Bearer <token>' }` or `{ 'x-api-key': '<secret>' }`).
 * A socket closes when its access token expires, its session ends or its key
 * is revoked (heard through Redis from any API process).
 */
export async function registerSubscriptions(app: FastifyInstance, config: Readonly<Config>, options: SubscriptionOptions): Promise<Subscriptions> {
  const { schema, services, hub } = options;
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const production = config.nodeEnv === 'production';
  const allowedOrigin = originMatcher(config.cors.origins);
  const rules = [...specifiedRules, ...options.validationRules, ...(production ? [NoSchemaIntrospectionCustomRule] : [])];
  const connections = new Map<WebSocket, Connection>();

  const close = (socket: WebSocket, how: { code: number; reason: string }) => {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(how.code, how.reason);
  };
  hub.onRevocation((revocation) => {
    for (const [socket, { viewer }] of connections) {
      const hit = ('sessionId' in revocation && viewer.kind === 'user' && viewer.sessionId === revocation.sessionId)
        || ('userId' in revocation && viewer.kind === 'user' && viewer.userId === revocation.userId)
        || ('apiKeyId' in revocation && viewer.kind === 'apiKey' && viewer.apiKeyId === revocation.apiKeyId);
      if (hit) close(socket, CLOSE.revoked);
    }
  });

  const format = (errors: readonly { toJSON(): GraphQLFormattedError }[]) => errors.map((error) => options.formatError(error.toJSON(), error));

  const handler = makeHandler<Record<string, unknown>, { viewer?: Viewer }>({
    schema,
    validate: (s, document) => validate(s, document, rules),
    onConnect: async (ctx) => {
      const { socket, request } = ctx.extra;
      const origin = request.headers.origin;
      if (origin && !allowedOrigin(origin)) {
        close(socket, CLOSE.origin);
        return false;
      }
      const params = ctx.connectionParams ?? {};
      const authorization = text(params.authorization) ?? text(params.Authorization);
      const apiKey = text(params['x-api-key']) ?? text(params['X-API-Key']) ?? text(params.apiKey);
      let viewer: Viewer;
      try {
        viewer = await options.resolveViewer({ authorization, apiKey }, services.orm.em.fork());
      } catch {
        close(socket, CLOSE.unauthorized);
        return false;
      }
      const expiry = viewer.kind === 'user' ? tokenExpiry(authorization) : null;
      const timer = expiry ? setTimeout(() => close(socket, CLOSE.unauthorized), Math.max(0, expiry - Date.now())) : null;
      timer?.unref();
      connections.set(socket, { viewer, timer });
      await hub.ready();
      return true;
    },
    context: (ctx, _id, payload): Context => {
      const { socket, request } = ctx.extra as { socket: WebSocket; request: FastifyRequest };
      const viewer = connections.get(socket)?.viewer ?? { kind: 'anonymous' };
      const em = services.orm.em.fork();
      const requestId = randomUUID();
      return {
        requestId, ip: request.ip, operationName: payload.operationName ?? null, viewer, em,
        keys: new KeyRing(em, services.master), loaders: createLoaders(em), accessReads: new AccessReads(), services,
        log: services.log.child({ requestId }), visit: { operation: payload.operationName ?? null, userId: viewer.kind === 'user' ? viewer.userId : null },
        realtime: hub,
      };
    },
    // Parse and validation errors: graphql-js gives them no code; Apollo's names are what clients know.
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => {
      const formatted = error.toJSON();
      const code = formatted.extensions?.code ?? (error.message.startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED');
      return options.formatError({ ...formatted, extensions: { ...formatted.extensions, code } }, error);
    }),
    onNext: async (_ctx, _id, _payload, args, result) => {
      const context = args.contextValue as Context;
      // A staff read of personal fields is logged before the message leaves, as over HTTP.
      if (context.accessReads.pending) {
        await context.accessReads.flush(context.em.fork(), services.accessLog, context.viewer, context.ip, context.operationName);
        context.accessReads = new AccessReads();
      }
      return result.errors ? { ...result, errors: format(result.errors) } : (result as never);
    },
    onClose: (ctx) => {
      const connection = connections.get(ctx.extra.socket);
      if (connection?.timer) clearTimeout(connection.timer);
      connections.delete(ctx.extra.socket);
    },
  });

  return {
    handler,
    size: () => connections.size,
    closeAll: (code, reason) => {
      for (const socket of connections.keys()) close(socket, { code, reason });
    },
  };
}

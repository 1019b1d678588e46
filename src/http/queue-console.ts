import { createBullBoard } from '@bull-board/api';
import { closeQueues } from '../observability/close-queues';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Role } from '../auth/roles';
import type { Config } from '../config';
import type { Context } from '../context';
import { AppError } from '../errors';
import { createLoaders } from '../loaders';
import { AccessAction } from '../privacy/access-log.entity';
import { AccessReads } from '../privacy/access-reads';
import { KeyRing } from '../privacy/key-ring';
import type { Services } from '../services';

export const CONSOLE_PATH = '/admin/queues';
export const CONSOLE_COOKIE = 'aimex_console';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:15px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}input,button{display:block;width:100%;margin:.4rem 0 1rem;padding:.5rem;font:inherit}
.error{color:#b00020}</style></head><body><h1>${title}</h1>${body}</body></html>`;

const signInPage = (message?: string) => page('AIMEX queue console', `${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/admin/sign-in"><label>Email<input name="email" type="email" autocomplete="username" required></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required></label><button type="submit">Sign in</button></form>
<p>For ADMIN accounts. Every sign-in is recorded in the access log.</p>`);

function cookieOf(request: FastifyRequest, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** Keeps ids only: job payloads are ids by design; anything else a job might carry is not shown. */
function idsOnly(data: unknown): unknown {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
  return Object.fromEntries(Object.entries(data as Record<string, unknown>).filter(([key, value]) =>
    (/(^id$|Id$|Ids$)/.test(key) && (typeof value === 'string' || Array.isArray(value))) || key === 'task' || key === 'dryRun'));
}

/**
 * The BullMQ console (bull-board) at /admin/queues, for ADMIN accounts only.
 * A browser signs in at /admin/sign-in (the API's own sign-in: lockout,
 * access log, under the operation name `queueConsoleSignIn`), which sets the
 * access token as an HttpOnly, SameSite=Strict cookie limited to /admin; each
 * console request checks it like a bearer token (session alive, role ADMIN
 * now). Job data and return values show ids only.
 */
export async function registerQueueConsole(app: FastifyInstance, config: Readonly<Config>, services: Services, queues: { names: readonly string[]; connection: ConnectionOptions }): Promise<() => Promise<void>> {
  const instances = queues.names.map((name) => new Queue(name, { connection: queues.connection }));
  const adapters = instances.map((queue) => {
    const adapter = new BullMQAdapter(queue);
    adapter.setFormatter('data', idsOnly);
    adapter.setFormatter('returnValue', idsOnly);
    return adapter;
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(CONSOLE_PATH);
  createBullBoard({ queues: adapters, serverAdapter, options: { uiConfig: { boardTitle: 'AIMEX queues' } } });
  const secure = config.nodeEnv === 'production';

  const contextFor = (request: FastifyRequest): Context => {
    const em = services.orm.em.fork();
    return {
      requestId: request.id, ip: request.ip, operationName: 'queueConsoleSignIn', viewer: { kind: 'anonymous' }, em,
      keys: new KeyRing(em, services.master), loaders: createLoaders(em), accessReads: new AccessReads(), services,
      log: services.log.child({ requestId: request.id }), visit: { operation: 'queueConsoleSignIn', userId: null },
    };
  };

  /** The console's viewer, from the cookie: null when missing, expired or revoked. */
  const adminOf = async (request: FastifyRequest): Promise<{ role: string } | null> => {
    const token = cookieOf(request, CONSOLE_COOKIE);
    const claims = token ? await services.tokens.verifyAccessToken(token) : null;
    const session = claims ? await services.sessions.viewerFor(services.orm.em.fork(), claims.sessionId) : null;
    if (!claims || !session || session.userId !== claims.userId || session.status !== 'ACTIVE') return null;
    return { role: session.role };
  };

  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const html = (reply: FastifyReply, status: number, body: string) =>
      reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

    scope.get('/admin/sign-in', async (_request, reply) => html(reply, 200, signInPage()));
    scope.post<{ Body: { email?: string; password?: string } }>('/admin/sign-in', async (request, reply) => {
      const ctx = contextFor(request);
      try {
        const result = await services.auth.signIn(ctx, String(request.body?.email ?? ''), String(request.body?.password ?? ''));
        if (result.user.role !== Role.ADMIN) {
          // Signed in, but not for this: the session ends at once, and the refusal is on record too.
          const claims = await services.tokens.verifyAccessToken(result.accessToken);
          if (claims) await services.sessions.revoke(ctx.em, claims.sessionId, 'queue console is for ADMIN');
          await services.accessLog.append(ctx.em, [{
            actorId: result.user.id, actorRole: result.user.role, action: AccessAction.SIGN_IN_FAILED, subjectId: result.user.id,
            fields: [], operation: 'queueConsoleSignIn', ipAddress: request.ip, reason: 'queue console is for ADMIN accounts',
          }]);
          return html(reply, 403, signInPage('The queue console is for ADMIN accounts.'));
        }
        reply.header('set-cookie', `${CONSOLE_COOKIE}=${encodeURIComponent(result.accessToken)}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${config.accessTokenTtlSeconds}${secure ? '; Secure' : ''}`);
        return reply.code(303).header('location', `${CONSOLE_PATH}/`).send();
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'Sign-in failed; try again later.';
        if (error instanceof AppError && error.code === 'RATE_LIMITED') reply.header('retry-after', String(error.extensions.retryAfterSeconds ?? 60));
        return html(reply, error instanceof AppError && error.code === 'RATE_LIMITED' ? 429 : 401, signInPage(message));
      }
    });
    scope.post('/admin/sign-out', async (request, reply) => {
      const token = cookieOf(request, CONSOLE_COOKIE);
      const claims = token ? await services.tokens.verifyAccessToken(token) : null;
      if (claims) await services.sessions.revoke(services.orm.em.fork(), claims.sessionId, 'signed out of the queue console');
      reply.header('set-cookie', `${CONSOLE_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`);
      return reply.code(303).header('location', '/admin/sign-in').send();
    });

    await scope.register(async (board) => {
      board.addHook('onRequest', async (request, reply) => {
        const viewer = await adminOf(request);
        const isApi = request.url.startsWith(`${CONSOLE_PATH}/api/`);
        if (!viewer) {
          return isApi ? reply.code(401).send({ error: 'Sign in at /admin/sign-in' }) : reply.code(303).header('location', '/admin/sign-in').send();
        }
        if (viewer.role !== Role.ADMIN) {
          return isApi ? reply.code(403).send({ error: 'For ADMIN accounts' }) : html(reply, 403, signInPage('The queue console is for ADMIN accounts.'));
        }
      });
      await board.register(serverAdapter.registerPlugin(), { prefix: CONSOLE_PATH });
    });
  });
  return () => closeQueues(instances);
}

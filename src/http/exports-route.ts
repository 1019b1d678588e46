import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { AccessAction } from '../privacy/access-log.entity';
import type { Services } from '../services';
import { streamDecrypted } from '../storage/encrypted';

/**
 * GET /exports/:id/export.json|export.html?expires&signature: an ACCESS
 * export, decrypted on the way out. The link is the credential (signed, at
 * most a day), as with a pre-signed S3 URL, but every download passes here and
 * is access-logged, which a direct S3 link could not be.
 */
export function registerExportRoute(app: FastifyInstance, orm: MikroORM, services: Services): void {
  app.get<{ Params: { id: string; file: string }; Querystring: { expires?: string; signature?: string } }>('/exports/:id/:file', async (request, reply) => {
    const em = orm.em.fork();
    const { id, file } = request.params;
    const found = await services.dataSubjectRequests.requestForLink(em, id, file, request.query.expires ?? '', request.query.signature ?? '');
    const refuse = () => reply.code(404).header('cache-control', 'no-store').send({ error: 'This export link is invalid or has expired' });
    if (!found) return refuse();
    const key = await services.dataSubjectRequests.subjectKey(em, found.subjectId);
    if (!key) return refuse();
    const body = await streamDecrypted(services.storage, `${found.exportKey}${file}`, key).catch(() => null);
    if (!body) return refuse();
    await services.accessLog.append(em, [{
      actorId: null, actorRole: null, action: AccessAction.EXPORT, subjectId: found.subjectId, fields: ['*'],
      operation: `download ${file}`, ipAddress: request.ip, reason: 'access export downloaded',
    }]);
    return reply
      .header('content-type', file.endsWith('.json') ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8')
      .header('content-disposition', `attachment; filename="aimex-${file}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(body);
  });
}

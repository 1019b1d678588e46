import type { ApiScope } from '../../auth/roles';
import { newOpaqueToken, sha256 } from '../../auth/tokens';
import { isUuid } from '../../common/ids';
import { requiredText } from '../../common/validate';
import type { Context, Viewer } from '../../context';
import { badInput, notFound } from '../../errors';
import { publishRevoked } from '../../realtime/publish';
import type { ServiceDeps } from '../../services';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';
import { ApiKey } from './api-key.entity';
import { canManageApiKeys } from './api-key.policy';

const SECRET_PREFIX = 'aimex_';

export class ApiKeyService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Only the organization's own enterprise users manage its keys. */
  private ownOrganization(ctx: Context, organizationId: string): string {
    if (!isUuid(organizationId) || !canManageApiKeys(ctx.viewer, organizationId)) throw notFound('Organization');
    return organizationId;
  }

  async create(ctx: Context, organizationId: string, name: string, scopes: ApiScope[]): Promise<{ apiKey: ApiKey; secret: string }> {
    const orgId = this.ownOrganization(ctx, organizationId);
    const cleanName = requiredText(name, 'name', 100);
    const uniqueScopes = [...new Set(scopes)];
    if (uniqueScopes.length === 0) throw badInput('An API key needs at least one scope', 'scopes');
    const secret = newOpaqueToken(SECRET_PREFIX);
    const apiKey = ctx.em.create(ApiKey, {
      organization: ctx.em.getReference(Organization, orgId),
      name: cleanName,
      prefix: secret.slice(0, SECRET_PREFIX.length + 6),
      secretHash: sha256(secret),
      scopes: uniqueScopes,
      createdBy: ctx.viewer.kind === 'user' ? ctx.em.getReference(User, ctx.viewer.userId) : null,
    });
    await ctx.em.flush();
    return { apiKey, secret };
  }

  async revoke(ctx: Context, id: string): Promise<ApiKey> {
    const apiKey = isUuid(id) ? await ctx.em.findOne(ApiKey, id) : null;
    if (!apiKey) throw notFound('API key');
    this.ownOrganization(ctx, apiKey.organization.id);
    if (!apiKey.revokedAt) {
      apiKey.revokedAt = new Date();
      await ctx.em.flush();
      publishRevoked({ apiKeyId: apiKey.id });
    }
    return apiKey;
  }

  /**
   * The viewer an X-API-Key header stands for, or null. lastUsedAt is
   * written at most once a minute so a busy key costs no write per request.
   */
  async authenticate(ctx: Pick<Context, 'em'>, secret: string): Promise<Viewer | null> {
    if (!secret.startsWith(SECRET_PREFIX) || secret.length > 200) return null;
    const [row] = await ctx.em.execute<{ id: string; organizationId: string; scopes: ApiScope[]; stale: boolean }[]>(
      `select id, organization_id as "organizationId", scopes, (last_used_at is null or last_used_at < now() - interval '1 minute') as stale
       from api_keys where secret_hash = ? and revoked_at is null`,
      [sha256(secret)],
    );
    if (!row) return null;
    // A row write only when the recorded time is over a minute old: a busy key is not rewritten per request.
    if (row.stale) await ctx.em.execute('update api_keys set last_used_at = now() where id = ?', [row.id]);
    return { kind: 'apiKey', apiKeyId: row.id, organizationId: row.organizationId, scopes: row.scopes };
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { User } from '../modules/users/user.entity';
import { publishRevoked } from '../realtime/publish';
import { RefreshToken, Session } from './session.entity';
import { newOpaqueToken, sha256 } from './tokens';

export interface SessionViewer {
  userId: string;
  role: string;
  status: string;
  organizationId: string | null;
}

export class SessionService {
  constructor(private readonly config: Pick<Config, 'refreshTokenTtlSeconds'>) {}

  /** A new session family and its first refresh token, in the caller's unit of work. */
  start(em: EntityManager, user: User): { session: Session; refreshToken: string } {
    const expiresAt = new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000);
    const session = em.create(Session, { user, expiresAt });
    return { session, refreshToken: this.issue(em, session) };
  }

  issue(em: EntityManager, session: Session): string {
    const token = newOpaqueToken('rt_');
    const expiresAt = new Date(Math.min(Date.now() + this.config.refreshTokenTtlSeconds * 1000, session.expiresAt.getTime()));
    em.create(RefreshToken, { session, tokenHash: sha256(token), expiresAt });
    return token;
  }

  async revoke(em: EntityManager, sessionId: string, reason: string): Promise<void> {
    await em.nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt: new Date(), revokeReason: reason });
    publishRevoked({ sessionId });
  }

  async revokeAll(em: EntityManager, userId: string, reason: string): Promise<void> {
    await em.nativeUpdate(Session, { user: userId, revokedAt: null }, { revokedAt: new Date(), revokeReason: reason });
    publishRevoked({ userId });
  }

  /** The user behind a live session: one indexed join per request. */
  async viewerFor(em: EntityManager, sessionId: string): Promise<SessionViewer | null> {
    const [row] = await em.execute<SessionViewer[]>(
      `select u.id as "userId", u.role, u.status, u.organization_id as "organizationId"
       from sessions s join users u on u.id = s.user_id
       where s.id = ? and s.revoked_at is null and s.expires_at > now()`,
      [sessionId],
    );
    return row ?? null;
  }
}

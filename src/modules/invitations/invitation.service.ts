import type { EntityManager } from '@mikro-orm/postgresql';
import { isEnterpriseOf } from '../../auth/scopes';
import { Role } from '../../auth/roles';
import { newOpaqueToken, sha256 } from '../../auth/tokens';
import { isUuid } from '../../common/ids';
import { normalizeEmail } from '../../common/validate';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { conflict, notFound } from '../../errors';
import { AccessAction } from '../../privacy/access-log.entity';
import { KeyRing, type MasterKeys } from '../../privacy/key-ring';
import { openPersonal, sealPersonal } from '../../privacy/personal-data';
import type { ServiceDeps } from '../../services';
import { Organization } from '../organizations/organization.entity';
import { User, UserStatus } from '../users/user.entity';
import { Invitation, InvitationStatus, invitationStatus } from './invitation.entity';

const TOKEN_PREFIX = 'inv_';
/** How long an invitation may be accepted. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

/** Destroys the invitee's address: the ciphertext, its index and the invitation's data key. */
async function shred(keys: KeyRing, invitation: Invitation): Promise<void> {
  if (invitation.emailShreddedAt) return;
  await keys.destroy(invitation.id);
  invitation.emailEnc = null;
  invitation.emailIndex = null;
  invitation.emailShreddedAt = new Date();
}

/**
 * Pending invitations past their expiry keep no address: shredded in batches.
 * Called for an organization whenever its invitations are listed or a new one
 * is sent, and (for all of them) by shredExpiredInvitations, for a daily job.
 */
export async function shredExpiredInvitations(em: EntityManager, master: MasterKeys, organizationId?: string): Promise<number> {
  const fork = em.fork();
  const expired = await fork.find(Invitation, {
    ...(organizationId ? { organization: organizationId } : {}),
    acceptedAt: null, revokedAt: null, emailShreddedAt: null, expiresAt: { $lte: new Date() },
  }, { limit: 1000 });
  if (expired.length === 0) return 0;
  const keys = new KeyRing(fork, master);
  for (const invitation of expired) await shred(keys, invitation);
  await fork.flush();
  return expired.length;
}

/**
 * Team onboarding: an ENTERPRISE user of an organization invites an address;
 * the person with that address, signed in (a new MEMBER account, or an
 * existing one without an organization), accepts with the token and becomes
 * an ENTERPRISE user of it. Every step is access-logged.
 */
export class InvitationService {
  constructor(private readonly deps: ServiceDeps) {}

  private ownOrganization(ctx: Context, organizationId: string): string {
    if (!isUuid(organizationId) || !isEnterpriseOf(ctx.viewer, organizationId)) throw notFound('Organization');
    return organizationId;
  }

  private actor(ctx: Context) {
    const viewer = ctx.viewer;
    if (viewer.kind !== 'user') throw notFound('Organization');
    return { actorId: viewer.userId, actorRole: viewer.role, operation: ctx.operationName, ipAddress: ctx.ip };
  }

  async invite(ctx: Context, organizationId: string, rawEmail: string): Promise<{ invitation: Invitation; token: string }> {
    const orgId = this.ownOrganization(ctx, organizationId);
    const email = normalizeEmail(rawEmail);
    await shredExpiredInvitations(ctx.em, this.deps.master, orgId);
    const index = this.deps.emailIndex.current(email);
    const pending = await ctx.em.findOne(Invitation, { organization: orgId, emailIndex: index, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } });
    if (pending) throw conflict('An invitation to this address is pending; revoke it to send a new one');
    const token = newOpaqueToken(TOKEN_PREFIX);
    const now = new Date();
    const invitation = ctx.em.create(Invitation, {
      createdAt: now,
      organization: ctx.em.getReference(Organization, orgId),
      invitedById: ctx.viewer.kind === 'user' ? ctx.viewer.userId : null,
      tokenHash: sha256(token),
      expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      emailIndex: index,
    });
    await inTransaction(ctx.em, async () => {
      const key = ctx.keys.create(invitation.id);
      invitation.emailEnc = sealPersonal(key, 'Invitation', 'emailEnc', invitation.id, email);
      await ctx.em.flush();
      // The invitee may have no account: the entry names the invitation, not a subject.
      await this.deps.accessLog.append(ctx.em, [{
        ...this.actor(ctx), action: AccessAction.UPDATE, subjectId: null, fields: ['email'], reason: `invitation ${invitation.id} to organization ${orgId}`,
      }]);
    });
    return { invitation, token };
  }

  async revoke(ctx: Context, id: string): Promise<Invitation> {
    const invitation = isUuid(id) ? await ctx.em.findOne(Invitation, id) : null;
    if (!invitation || !isEnterpriseOf(ctx.viewer, invitation.organization.id)) throw notFound('Invitation');
    if (invitation.acceptedAt) throw conflict('An accepted invitation cannot be revoked; remove the member instead');
    if (invitation.revokedAt) return invitation;
    await inTransaction(ctx.em, async () => {
      invitation.revokedAt = new Date();
      await shred(ctx.keys, invitation);
      await ctx.em.flush();
      await this.deps.accessLog.append(ctx.em, [{
        ...this.actor(ctx), action: AccessAction.UPDATE, subjectId: null, fields: ['email'], reason: `invitation ${invitation.id} revoked`,
      }]);
    });
    return invitation;
  }

  /** The signed-in person joins the organization; the invitation must be addressed to their account's email. */
  async accept(ctx: Context, token: string): Promise<User> {
    const viewer = ctx.viewer;
    if (viewer.kind !== 'user') throw notFound('Invitation');
    const invitation = token.startsWith(TOKEN_PREFIX) && token.length < 200 ? await ctx.em.findOne(Invitation, { tokenHash: sha256(token) }) : null;
    const user = await ctx.em.findOne(User, viewer.userId);
    if (!invitation || !user || user.status !== UserStatus.ACTIVE) throw notFound('Invitation');
    const status = invitationStatus(invitation);
    // The address is compared decrypted: the user's index may still be under a key being rotated away from.
    const invited = openPersonal(await ctx.keys.get(invitation.id), 'Invitation', 'emailEnc', invitation.id, invitation.emailEnc);
    const own = openPersonal(await ctx.keys.get(user.id), 'User', 'emailEnc', user.id, user.emailEnc);
    // Someone else's invitation tells nothing about itself, whatever its state.
    if (status === InvitationStatus.PENDING && (!invited || !own || invited !== normalizeEmail(own))) throw notFound('Invitation');
    if (status === InvitationStatus.ACCEPTED) throw conflict('This invitation has been used already');
    if (status === InvitationStatus.REVOKED) throw conflict('This invitation was revoked');
    if (status === InvitationStatus.EXPIRED) throw conflict('This invitation has expired; ask for a new one');
    const orgId = invitation.organization.id;
    if (user.organization?.id === orgId) throw conflict('You are a member of this organization already');
    if (user.role !== Role.MEMBER || user.organization) throw conflict('Only an account without an organization can join one; leave yours first');
    await inTransaction(ctx.em, async () => {
      // Single use under concurrency: only the first accept changes the row.
      const won = await ctx.em.nativeUpdate(Invitation, { id: invitation.id, acceptedAt: null, revokedAt: null }, { acceptedAt: new Date(), acceptedById: user.id });
      if (won !== 1) throw conflict('This invitation has been used already');
      user.role = Role.ENTERPRISE;
      user.organization = ctx.em.getReference(Organization, orgId);
      invitation.acceptedAt = new Date();
      invitation.acceptedById = user.id;
      await shred(ctx.keys, invitation);
      await ctx.em.flush();
      await this.deps.accessLog.append(ctx.em, [{
        actorId: user.id, actorRole: viewer.role, action: AccessAction.UPDATE, subjectId: user.id, fields: ['role', 'organization'],
        operation: ctx.operationName, ipAddress: ctx.ip, reason: `joined organization ${orgId} by invitation ${invitation.id}`,
      }]);
    });
    return user;
  }

  /** An enterprise user removes a colleague (or themselves); the last enterprise user stays. The removed account's sessions end. */
  async removeMember(ctx: Context, organizationId: string, userId: string): Promise<boolean> {
    const orgId = this.ownOrganization(ctx, organizationId);
    const user = isUuid(userId) ? await ctx.em.findOne(User, userId) : null;
    if (!user || user.organization?.id !== orgId) throw notFound('User');
    const enterprise = await ctx.em.count(User, { organization: orgId, role: Role.ENTERPRISE, status: UserStatus.ACTIVE });
    if (user.role === Role.ENTERPRISE && enterprise <= 1) throw conflict('The last enterprise user of an organization cannot be removed');
    await inTransaction(ctx.em, async () => {
      const previous = user.role;
      user.role = Role.MEMBER;
      user.organization = null;
      await ctx.em.flush();
      await this.deps.sessions.revokeAll(ctx.em, user.id, 'removed from organization');
      await this.deps.accessLog.append(ctx.em, [{
        ...this.actor(ctx), action: AccessAction.UPDATE, subjectId: user.id, fields: ['role', 'organization'],
        reason: `removed from organization ${orgId} (role ${previous} -> MEMBER)`,
      }]);
    });
    return true;
  }

  /** The organization's invitations, newest first (the resolver keeps those the viewer may read). */
  async list(ctx: Context, organizationId: string, status: InvitationStatus | null): Promise<Invitation[]> {
    await shredExpiredInvitations(ctx.em, this.deps.master, organizationId);
    const rows = await ctx.em.find(Invitation, { organization: organizationId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 200 });
    return status ? rows.filter((row) => invitationStatus(row) === status) : rows;
  }

  async email(ctx: Context, invitation: Invitation): Promise<string | null> {
    if (!invitation.emailEnc) return null;
    return openPersonal(await ctx.keys.get(invitation.id), 'Invitation', 'emailEnc', invitation.id, invitation.emailEnc);
  }
}

import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { Organization } from '../organizations/organization.entity';

export enum InvitationStatus {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(InvitationStatus, {
  name: 'InvitationStatus',
  description: 'Where an invitation stands.',
  valuesConfig: {
    PENDING: { description: 'Sent, not yet used: the invitee may accept it until expiresAt.' },
    ACCEPTED: { description: 'Used: the invitee joined the organization. An invitation works once.' },
    REVOKED: { description: 'Withdrawn by an enterprise user of the organization before it was used.' },
    EXPIRED: { description: 'Not used before expiresAt.' },
  },
});

/**
 * An invitation to join an organization as an ENTERPRISE user. The token is
 * shown once (only its SHA-256 is kept). The invitee may have no account, so
 * the address is encrypted under a data key of the invitation itself (its id
 * is the subject in subject_keys) and matched by its blind index; both are
 * destroyed once the invitation is used, revoked or found expired.
 */
@Entity({ tableName: 'invitations' })
export class Invitation {
  [OptionalProps]?: 'createdAt' | 'acceptedAt' | 'acceptedById' | 'revokedAt' | 'emailShreddedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Index()
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Organization;

  /** Who invited (an ENTERPRISE user of the organization at the time). */
  @Property({ type: 'uuid', nullable: true })
  invitedById: string | null = null;

  @Index()
  @Property({ type: 'text', nullable: true })
  emailIndex: string | null = null;

  @Property({ type: 'blob', nullable: true, lazy: false })
  emailEnc: Buffer | null = null;

  @Property({ type: 'text', unique: true, hidden: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  acceptedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  acceptedById: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  /** When the invitee's address (ciphertext, index and key) was destroyed. */
  @Property({ type: 'timestamptz', nullable: true })
  emailShreddedAt: Date | null = null;
}

export function invitationStatus(invitation: Invitation, now = new Date()): InvitationStatus {
  if (invitation.acceptedAt) return InvitationStatus.ACCEPTED;
  if (invitation.revokedAt) return InvitationStatus.REVOKED;
  return invitation.expiresAt <= now ? InvitationStatus.EXPIRED : InvitationStatus.PENDING;
}

import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { readableOnly } from '../../auth/policy';
import type { Context } from '../../context';
import { Organization } from '../organizations/organization.entity';
import { OrganizationType } from '../organizations/organization.types';
import { UserType } from '../users/user.types';
import { Invitation, InvitationStatus, invitationStatus } from './invitation.entity';
import { invitationPolicy } from './invitation.policy';
import { CreatedInvitation, InvitationType } from './invitation.types';

@Resolver(() => InvitationType)
export class InvitationResolver {
  @Mutation(() => CreatedInvitation, { description: 'Invites a colleague by email to join your organization as an ENTERPRISE user (ENTERPRISE of the organization). The invitation expires after 7 days; the token is returned once.' })
  inviteMember(
    @Arg('organizationId', () => ID, { description: 'Your organization.' }) organizationId: string,
    @Arg('email', () => String, { description: 'The invitee\'s email address; only the account with this address can accept.' }) email: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.invitations.invite(ctx, organizationId, email);
  }

  @Mutation(() => InvitationType, { description: 'Withdraws a pending invitation; its token no longer works (ENTERPRISE of the organization).' })
  revokeInvitation(@Arg('id', () => ID, { description: 'The invitation\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.invitations.revoke(ctx, id);
  }

  @Mutation(() => UserType, { description: 'Joins the organization that invited you: sign up (as a MEMBER) or sign in with the invited address first. You become an ENTERPRISE user of it; an invitation works once.' })
  acceptInvitation(@Arg('token', () => String, { description: 'The token from the invitation.' }) token: string, @Ctx() ctx: Context) {
    return ctx.services.invitations.accept(ctx, token);
  }

  @Mutation(() => Boolean, { description: 'Removes a member from your organization (yourself included, unless you are its last ENTERPRISE user): the account becomes a MEMBER without an organization and its sessions end (ENTERPRISE of the organization).' })
  removeMember(
    @Arg('organizationId', () => ID, { description: 'Your organization.' }) organizationId: string,
    @Arg('userId', () => ID, { description: 'The member to remove.' }) userId: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.invitations.removeMember(ctx, organizationId, userId);
  }

  @FieldResolver(() => InvitationStatus, { description: 'Where it stands now.' })
  status(@Root() invitation: Invitation) {
    return invitationStatus(invitation);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The invited address, for the organization\'s enterprise users; null once the invitation was used, revoked or expired (the address is then destroyed).' })
  email(@Root() invitation: Invitation, @Ctx() ctx: Context) {
    return ctx.services.invitations.email(ctx, invitation);
  }

  @FieldResolver(() => OrganizationType, { description: 'The organization it is for.' })
  organization(@Root() invitation: Invitation, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(invitation.organization.id);
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'Who sent it.' })
  invitedBy(@Root() invitation: Invitation, @Ctx() ctx: Context) {
    return invitation.invitedById ? ctx.loaders.userById.load(invitation.invitedById) : null;
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'Who joined with it.' })
  acceptedBy(@Root() invitation: Invitation, @Ctx() ctx: Context) {
    return invitation.acceptedById ? ctx.loaders.userById.load(invitation.acceptedById) : null;
  }
}

@Resolver(() => OrganizationType)
export class OrganizationInvitationsResolver {
  @FieldResolver(() => [InvitationType], { description: 'Invitations sent for the organization, newest first (its enterprise users and staff).' })
  async invitations(
    @Root() organization: Organization,
    @Arg('status', () => InvitationStatus, { nullable: true, description: 'Only invitations in this status.' }) status: InvitationStatus | null,
    @Ctx() ctx: Context,
  ) {
    return readableOnly(ctx, invitationPolicy, await ctx.services.invitations.list(ctx, organization.id, status));
  }
}

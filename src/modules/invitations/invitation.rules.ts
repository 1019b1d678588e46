import { carrier } from '../../auth/policy';
import { isEnterprise, isUser } from '../../auth/rules';
import { invitationPolicy } from './invitation.policy';

export const invitationRules = {
  Mutation: { inviteMember: isEnterprise, revokeInvitation: isEnterprise, removeMember: isEnterprise, acceptInvitation: isUser },
  ...invitationPolicy.rules,
  CreatedInvitation: carrier,
};

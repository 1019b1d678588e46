import { and, or } from 'graphql-shield';
import { allow, isEnterprise, isIdentified, isOwnOrganization, isStaff, isUser } from '../../auth/rules';

export const organizationRules = {
  Query: { organization: isIdentified },
  Organization: {
    id: allow,
    name: allow,
    createdAt: allow,
    // People only: a partner key never learns who works there.
    members: or(and(isUser, isOwnOrganization), isStaff),
    apiKeys: or(and(isEnterprise, isOwnOrganization), isStaff),
  },
};

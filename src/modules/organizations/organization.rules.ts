import { and, or } from 'graphql-shield';
import { ApiScope } from '../../auth/roles';
import { allow, hasScopeOrEnterprise, isEnterprise, isIdentified, isOwnOrganization, isStaff, isUser } from '../../auth/rules';

export const organizationRules = {
  Query: { organization: isIdentified },
  Organization: {
    id: allow,
    name: allow,
    createdAt: allow,
    // People only: a partner key never learns who works there.
    members: or(and(isUser, isOwnOrganization), isStaff),
    apiKeys: or(and(isEnterprise, isOwnOrganization), isStaff),
    models: or(and(hasScopeOrEnterprise(ApiScope.MODELS_READ), isOwnOrganization), isStaff),
    datasets: or(and(hasScopeOrEnterprise(ApiScope.DATASETS_WRITE), isOwnOrganization), isStaff),
  },
};

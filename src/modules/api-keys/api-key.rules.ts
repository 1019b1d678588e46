import { allow, isEnterprise } from '../../auth/rules';

export const apiKeyRules = {
  Mutation: { createApiKey: isEnterprise, revokeApiKey: isEnterprise },
  ApiKey: allow,
  CreatedApiKey: allow,
};

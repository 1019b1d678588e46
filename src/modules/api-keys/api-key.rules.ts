import { carrier } from '../../auth/policy';
import { isEnterprise } from '../../auth/rules';
import { apiKeyPolicy } from './api-key.policy';

export const apiKeyRules = {
  Mutation: { createApiKey: isEnterprise, revokeApiKey: isEnterprise },
  ...apiKeyPolicy.rules,
  CreatedApiKey: carrier,
};

import { isIdentified } from '../../auth/rules';
import { organizationPolicy } from './organization.policy';

export const organizationRules = {
  Query: { organization: isIdentified },
  ...organizationPolicy.rules,
};

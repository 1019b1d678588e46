import { allow, isStaff } from '../../auth/rules';

export const statisticsRules = {
  Query: { usageStatistics: isStaff },
  UsageStatistics: allow,
  ConsentRate: allow,
};

import { partOfResource, rolePolicy } from '../../auth/policy';
import { isStaffViewer } from '../../auth/scopes';
import { isStaff } from '../../auth/rules';

const usageStatisticsPolicy = rolePolicy('UsageStatistics', isStaffViewer);

export const statisticsRules = {
  Query: { usageStatistics: isStaff },
  ...usageStatisticsPolicy.rules,
  ConsentRate: partOfResource,
};

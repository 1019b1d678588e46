import { carrier, partOfResource, rolePolicy } from '../../auth/policy';
import { Role } from '../../auth/roles';
import { hasRoleViewer, isStaffViewer } from '../../auth/scopes';
import { isPrivacyOfficer, isStaff } from '../../auth/rules';

const purgeRunPolicy = rolePolicy('PurgeRun', isStaffViewer);
const legalHoldPolicy = rolePolicy('LegalHold', (viewer) => hasRoleViewer(viewer, Role.PRIVACY_OFFICER));

export const retentionRules = {
  Query: { purgeRuns: isStaff, legalHolds: isPrivacyOfficer },
  Mutation: { runPurge: isPrivacyOfficer, placeLegalHold: isPrivacyOfficer, releaseLegalHold: isPrivacyOfficer },
  ...purgeRunPolicy.rules,
  ...legalHoldPolicy.rules,
  PurgeRunConnection: carrier,
  PurgeRunEdge: carrier,
  PurgeCount: partOfResource,
};

import { carrier, definePolicy, rolePolicy } from '../auth/policy';
import { Role } from '../auth/roles';
import { hasRoleViewer, isStaffViewer } from '../auth/scopes';
import { isPrivacyOfficer, isStaff } from '../auth/rules';

const isOfficer = (viewer: Parameters<typeof isStaffViewer>[0]) => hasRoleViewer(viewer, Role.PRIVACY_OFFICER);
/** The log is the privacy officer's; staff see the entries of their own acts (the receipt of a reveal). */
const accessLogEntryPolicy = definePolicy<{ actorId: string | null }>({
  type: 'AccessLogEntry',
  project: ({ viewer }, entry) =>
    (isOfficer(viewer) || (isStaffViewer(viewer) && viewer.kind === 'user' && entry.actorId === viewer.userId) ? 'full' : null),
});
const accessLogVerificationPolicy = rolePolicy('AccessLogVerification', isOfficer);
const revealedPolicy = rolePolicy('RevealedPersonalData', isStaffViewer);

export const privacyRules = {
  Query: { accessLogs: isPrivacyOfficer, verifyAccessLog: isPrivacyOfficer },
  Mutation: { revealPersonalData: isStaff },
  ...accessLogEntryPolicy.rules,
  ...accessLogVerificationPolicy.rules,
  ...revealedPolicy.rules,
  AccessLogConnection: carrier,
  AccessLogEdge: carrier,
};

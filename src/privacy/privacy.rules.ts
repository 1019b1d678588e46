import { allow, isPrivacyOfficer, isStaff } from '../auth/rules';

export const privacyRules = {
  Query: { accessLogs: isPrivacyOfficer, verifyAccessLog: isPrivacyOfficer },
  Mutation: { revealPersonalData: isStaff },
  AccessLogEntry: allow,
  AccessLogConnection: allow,
  AccessLogEdge: allow,
  AccessLogVerification: allow,
  RevealedPersonalData: allow,
};

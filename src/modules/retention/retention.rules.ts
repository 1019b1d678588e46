import { allow, isPrivacyOfficer, isStaff } from '../../auth/rules';

export const retentionRules = {
  Query: { purgeRuns: isStaff, legalHolds: isPrivacyOfficer },
  Mutation: { runPurge: isPrivacyOfficer, placeLegalHold: isPrivacyOfficer, releaseLegalHold: isPrivacyOfficer },
  PurgeRun: allow,
  PurgeRunConnection: allow,
  PurgeRunEdge: allow,
  PurgeCount: allow,
  LegalHold: allow,
};

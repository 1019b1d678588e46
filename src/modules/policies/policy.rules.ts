import { referenceData } from '../../auth/policy';
import { allow, isPrivacyOfficer } from '../../auth/rules';

export const policyRules = {
  Query: { privacyPolicy: allow, privacyPolicies: allow, processors: allow, privacyContacts: allow, retentionPolicies: allow },
  Mutation: { publishPrivacyPolicy: isPrivacyOfficer },
  PrivacyPolicy: referenceData,
  Processor: referenceData,
  PrivacyContact: referenceData,
  RetentionPolicy: referenceData,
};

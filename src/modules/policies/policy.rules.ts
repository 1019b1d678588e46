import { allow, isPrivacyOfficer } from '../../auth/rules';

export const policyRules = {
  Query: { privacyPolicy: allow, privacyPolicies: allow, processors: allow, privacyContacts: allow, retentionPolicies: allow },
  Mutation: { publishPrivacyPolicy: isPrivacyOfficer },
  PrivacyPolicy: allow,
  Processor: allow,
  PrivacyContact: allow,
  RetentionPolicy: allow,
};

import { allow, isUser } from '../../auth/rules';

export const consentRules = {
  Query: { consentPurposes: allow },
  Mutation: { updateConsents: isUser },
  Consent: allow,
  ConsentEvent: allow,
  ConsentPurposeInfo: allow,
};

import { partOfResource, referenceData } from '../../auth/policy';
import { allow, isUser } from '../../auth/rules';

export const consentRules = {
  Query: { consentPurposes: allow },
  Mutation: { updateConsents: isUser },
  // A user's consents, reached through User.consents / consentHistory (guarded by the user policy) or the user's own update.
  Consent: partOfResource,
  ConsentEvent: partOfResource,
  ConsentPurposeInfo: referenceData,
};

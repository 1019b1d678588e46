import { or } from 'graphql-shield';
import { allow, isAdmin, isColleague, isPrivacyOfficer, isSelf, isStaff, isUser } from '../../auth/rules';
import { exposedPersonalFields } from '../../privacy/registry';

const selfOrStaff = or(isSelf, isStaff);
const selfStaffOrColleague = or(isSelf, isStaff, isColleague);
const selfOrColleague = or(isSelf, isColleague);

/**
 * Personal fields take their rule from the registry: the subject always; staff
 * when the registry says how to mask it for them; colleagues where it says so.
 */
const personalFieldRules = Object.fromEntries(Object.entries(exposedPersonalFields('User')).map(([field, entry]) => {
  const rule = entry.mask ? (entry.colleagues ? selfStaffOrColleague : selfOrStaff) : entry.colleagues ? selfOrColleague : isSelf;
  return [field, rule];
}));

export const userRules = {
  Query: { me: isUser, user: isUser, users: isStaff },
  Mutation: { updateProfile: isUser, setUserRole: isAdmin },
  User: {
    id: allow,
    role: selfOrStaff,
    status: selfOrStaff,
    processingSuspended: selfOrStaff,
    createdAt: selfOrStaff,
    organization: selfOrStaff,
    ...personalFieldRules,
    consents: selfOrStaff,
    consentHistory: or(isSelf, isPrivacyOfficer),
    conversations: isSelf,
    healthProfile: isSelf,
    missions: isSelf,
    purchases: isSelf,
  },
  UserConnection: allow,
  UserEdge: allow,
};

import { or } from 'graphql-shield';
import { allow, isAdmin, isColleague, isPrivacyOfficer, isSelf, isStaff, isUser } from '../../auth/rules';

const selfOrStaff = or(isSelf, isStaff);
// Colleagues see name, department and job title only (SPEC 1).
const selfStaffOrColleague = or(isSelf, isStaff, isColleague);

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
    name: selfStaffOrColleague,
    department: selfStaffOrColleague,
    jobTitle: selfStaffOrColleague,
    email: selfOrStaff,
    phone: selfOrStaff,
    profileImageUrl: isSelf,
    interests: isSelf,
    consents: selfOrStaff,
    consentHistory: or(isSelf, isPrivacyOfficer),
  },
  UserConnection: allow,
  UserEdge: allow,
};

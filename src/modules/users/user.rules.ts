import { carrier } from '../../auth/policy';
import { isAdmin, isStaff, isUser } from '../../auth/rules';
import { userPolicy } from './user.policy';

export const userRules = {
  Query: { me: isUser, user: isUser, users: isStaff },
  Mutation: { updateProfile: isUser, setUserRole: isAdmin },
  ...userPolicy.rules,
  UserConnection: carrier,
  UserEdge: carrier,
};

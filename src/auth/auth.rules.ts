import { carrier } from './policy';
import { allow, isUser } from './rules';

export const authRules = {
  Mutation: { signUp: allow, signIn: allow, refreshToken: allow, signOut: isUser, changePassword: isUser },
  AuthPayload: carrier,
};

import type { EntityManager } from '@mikro-orm/postgresql';
import { inTransaction } from '../db/transaction';
import { badInput, conflict } from '../errors';
import { User } from '../modules/users/user.entity';
import { AccessAction } from '../privacy/access-log.entity';
import { KeyRing } from '../privacy/key-ring';
import { sealPersonal } from '../privacy/personal-data';
import type { ServiceDeps } from '../services';
import { normalizeEmail, normalizePhone, requiredText } from '../common/validate';
import { checkPasswordPolicy, hashPassword } from './passwords';
import { Role } from './roles';

export interface StaffInput {
  email: string;
  password: string;
  name: string;
  phone: string;
  role: Role;
}

/**
 * Staff accounts come from the command line (the first ADMIN and PRIVACY_OFFICER)
 * or from setUserRole, never from signUp. The grant is access-logged.
 */
export async function createStaffAccount(deps: Pick<ServiceDeps, 'emailIndex' | 'master' | 'accessLog'>, em: EntityManager, input: StaffInput): Promise<User> {
  if (input.role !== Role.ADMIN && input.role !== Role.PRIVACY_OFFICER) throw badInput('role must be ADMIN or PRIVACY_OFFICER', 'role');
  const email = normalizeEmail(input.email);
  checkPasswordPolicy(input.password);
  const name = requiredText(input.name, 'name', 100);
  const phone = normalizePhone(input.phone);
  const emailIndex = deps.emailIndex.current(email);
  if (await em.count(User, { emailIndex: { $in: deps.emailIndex.candidates(email) } })) throw conflict('An account with this email already exists');
  const passwordHash = await hashPassword(input.password);
  const keys = new KeyRing(em, deps.master);
  return inTransaction(em, async () => {
    const user = em.create(User, { role: input.role, emailIndex, passwordHash });
    const key = keys.create(user.id);
    user.emailEnc = sealPersonal(key, 'User', 'emailEnc', user.id, email);
    user.nameEnc = sealPersonal(key, 'User', 'nameEnc', user.id, name);
    user.phoneEnc = sealPersonal(key, 'User', 'phoneEnc', user.id, phone);
    await em.flush();
    await deps.accessLog.append(em, [{
      actorId: null, actorRole: null, action: AccessAction.UPDATE, subjectId: user.id,
      fields: ['role'], operation: 'create-staff', ipAddress: null, reason: `staff account created with role ${input.role}`,
    }]);
    return user;
  });
}

import type { MikroORM } from '@mikro-orm/postgresql';
import type { Services } from '../../src/services';
import { Role } from '../../src/auth/roles';
import { Organization } from '../../src/modules/organizations/organization.entity';
import { User } from '../../src/modules/users/user.entity';
import { KeyRing } from '../../src/privacy/key-ring';
import { sealPersonal } from '../../src/privacy/personal-data';

/**
 * Many enterprise users in one organization, written straight through the ORM
 * with real per-subject encryption (no password: these never sign in), for
 * tests that need volume without paying argon2 per account.
 */
export async function insertOrganizationWithUsers(orm: MikroORM, services: Pick<Services, 'master'>, count: number): Promise<{ organizationId: string; userIds: string[] }> {
  const em = orm.em.fork();
  const keys = new KeyRing(em, services.master);
  const organization = em.create(Organization, { name: `Bulk ${count}` });
  const userIds: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const user = em.create(User, { role: Role.ENTERPRISE, organization });
    const key = keys.create(user.id);
    user.nameEnc = sealPersonal(key, 'User', 'nameEnc', user.id, `사용자${i}`);
    user.emailEnc = sealPersonal(key, 'User', 'emailEnc', user.id, `bulk${i}-${user.id}@example.com`);
    userIds.push(user.id);
  }
  await em.flush();
  return { organizationId: organization.id, userIds };
}

import type { FilterQuery } from '@mikro-orm/core';
import { readableOr404 } from '../../auth/policy';
import { isStaffRole, Role } from '../../auth/roles';
import { isUuid } from '../../common/ids';
import { emptyPage, paginate, type Page } from '../../common/pagination';
import { httpsUrl, normalizePhone, optionalText, requiredText, stringList } from '../../common/validate';
import type { Context } from '../../context';
import { badInput, conflict, notFound } from '../../errors';
import { inTransaction } from '../../db/transaction';
import { AccessAction } from '../../privacy/access-log.entity';
import { sealPersonal } from '../../privacy/personal-data';
import type { ServiceDeps } from '../../services';
import { UsageEventType } from '../usage/usage.entity';
import { User, UserStatus } from './user.entity';
import { userPolicy } from './user.policy';
import type { UpdateProfileInput, UserFilter } from './user.types';

export class UserService {
  constructor(private readonly deps: ServiceDeps) {}

  async me(ctx: Context): Promise<User | null> {
    if (ctx.viewer.kind !== 'user') return null;
    return ctx.em.findOne(User, ctx.viewer.userId);
  }

  /** A user the viewer may address (its policy decides: itself, a colleague, or anyone for staff); NOT_FOUND otherwise. */
  async find(ctx: Context, id: string): Promise<User> {
    return readableOr404(ctx, userPolicy, isUuid(id) ? await ctx.em.findOne(User, id) : null, 'User');
  }

  async list(ctx: Context, first: number, after: string | null | undefined, filter: UserFilter | null | undefined): Promise<Page<User>> {
    const where: FilterQuery<User> = {};
    if (filter?.role) where.role = filter.role;
    if (filter?.status) where.status = filter.status;
    if (filter?.organizationId) {
      if (!isUuid(filter.organizationId)) return emptyPage();
      where.organization = filter.organizationId;
    }
    // Read-only rows: the users list is read, never written through; its subjects' keys come in the same
    // statement, so each personal field is answered at once (src/common/pagination.ts).
    return paginate(ctx.em, User, where, first, after, 'createdAt', 'id', { rows: true, subjectKeys: ctx.keys });
  }

  async updateProfile(ctx: Context, input: UpdateProfileInput): Promise<User> {
    const user = await this.activeSelf(ctx);
    const key = await ctx.keys.get(user.id);
    if (!key) throw conflict('This account can no longer be changed');
    const set = (property: keyof User & string, value: string | null) => {
      (user as unknown as Record<string, Buffer | null>)[property] = sealPersonal(key, 'User', property, user.id, value);
    };
    const changed: string[] = [];
    if (input.name !== undefined) {
      set('nameEnc', requiredText(input.name, 'name', 100));
      changed.push('name');
    }
    if (input.phone !== undefined) {
      if (input.phone === null) throw badInput('phone is required', 'phone');
      set('phoneEnc', normalizePhone(input.phone));
      changed.push('phone');
    }
    if (input.department !== undefined) {
      set('departmentEnc', optionalText(input.department, 'department', 100));
      changed.push('department');
    }
    if (input.jobTitle !== undefined) {
      set('jobTitleEnc', optionalText(input.jobTitle, 'jobTitle', 100));
      changed.push('jobTitle');
    }
    if (input.profileImageUrl !== undefined) {
      set('profileImageUrlEnc', httpsUrl(input.profileImageUrl, 'profileImageUrl'));
      changed.push('profileImageUrl');
    }
    if (input.interests !== undefined) {
      const interests = input.interests === null ? [] : stringList(input.interests, 'interests', 30, 50);
      set('interestsEnc', JSON.stringify(interests));
      changed.push('interests');
    }
    if (changed.length === 0) return user;
    this.deps.usage.record(ctx.em, user.id, UsageEventType.PROFILE_CHANGE, ctx.ip);
    await ctx.em.flush();
    return user;
  }

  /** Role grants and changes end the user's sessions and are access-logged. */
  async setRole(ctx: Context, userId: string, role: Role): Promise<User> {
    const viewer = ctx.viewer;
    if (viewer.kind !== 'user') throw notFound('User');
    if (viewer.userId === userId) throw badInput('Staff cannot change their own role', 'userId');
    const user = await this.find(ctx, userId);
    if (user.status !== UserStatus.ACTIVE) throw conflict('A withdrawn account has no role to change');
    if (user.role === role) return user;
    // Enterprise users act for their organization; no other role belongs to one.
    if (role === Role.ENTERPRISE && !user.organization) {
      throw badInput('Only a member of an organization can be ENTERPRISE; such accounts sign up as ENTERPRISE', 'role');
    }
    await inTransaction(ctx.em, async () => {
      const previous = user.role;
      user.role = role;
      if (role !== Role.ENTERPRISE) user.organization = null;
      await this.deps.sessions.revokeAll(ctx.em, user.id, 'role changed');
      await this.deps.accessLog.append(ctx.em, [{
        actorId: viewer.userId, actorRole: viewer.role, action: AccessAction.UPDATE, subjectId: user.id,
        fields: ['role'], operation: ctx.operationName, ipAddress: ctx.ip, reason: `role ${previous} -> ${role}`,
      }]);
    });
    return user;
  }

  private async activeSelf(ctx: Context): Promise<User> {
    const user = await this.me(ctx);
    if (!user || user.status !== UserStatus.ACTIVE) throw notFound('User');
    return user;
  }
}

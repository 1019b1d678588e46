import type { FilterQuery } from '@mikro-orm/core';
import { isUuid } from '../common/ids';
import { emptyPage, paginate, type Page } from '../common/pagination';
import { requiredText } from '../common/validate';
import type { Context } from '../context';
import { badInput, notFound } from '../errors';
import type { ServiceDeps } from '../services';
import { User } from '../modules/users/user.entity';
import { AccessAction, AccessLogEntry } from './access-log.entity';
import type { Verification } from './access-log.service';
import { decryptPersonal } from './personal-data';
import { type AccessLogFilter, PersonalField } from './privacy.types';

const REVEALABLE: Record<PersonalField, { property: 'nameEnc' | 'emailEnc' | 'phoneEnc'; key: 'name' | 'email' | 'phone' }> = {
  [PersonalField.NAME]: { property: 'nameEnc', key: 'name' },
  [PersonalField.EMAIL]: { property: 'emailEnc', key: 'email' },
  [PersonalField.PHONE]: { property: 'phoneEnc', key: 'phone' },
};

export class PrivacyService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Staff see personal data unmasked only with a reason, and the reveal is logged before anything is returned. */
  async reveal(ctx: Context, userId: string, fields: PersonalField[], reason: string) {
    const viewer = ctx.viewer;
    if (viewer.kind !== 'user') throw notFound('User');
    const why = requiredText(reason, 'reason', 500);
    const wanted = [...new Set(fields)];
    if (wanted.length === 0) throw badInput('Name at least one field to reveal', 'fields');
    const user = isUuid(userId) ? await ctx.em.findOne(User, userId) : null;
    if (!user) throw notFound('User');
    const [entry] = await this.deps.accessLog.append(ctx.em, [{
      actorId: viewer.userId, actorRole: viewer.role, action: AccessAction.REVEAL, subjectId: user.id,
      fields: wanted.map((f) => REVEALABLE[f].key), operation: ctx.operationName, ipAddress: ctx.ip, reason: why,
    }]);
    const result = { userId: user.id, name: null as string | null, email: null as string | null, phone: null as string | null, accessLogEntry: entry };
    for (const field of wanted) {
      const { property, key } = REVEALABLE[field];
      result[key] = await decryptPersonal(ctx, 'User', property, user.id, user[property]);
    }
    return result;
  }

  async accessLogs(ctx: Context, first: number, after: string | null | undefined, filter: AccessLogFilter | null | undefined): Promise<Page<AccessLogEntry>> {
    const where: FilterQuery<AccessLogEntry> = {};
    for (const key of ['actorId', 'subjectId'] as const) {
      const id = filter?.[key];
      if (id) {
        if (!isUuid(id)) return emptyPage();
        where[key] = id;
      }
    }
    if (filter?.action) where.action = filter.action;
    if (filter?.from || filter?.to) {
      where.at = {};
      if (filter.from) where.at.$gte = filter.from;
      if (filter.to) where.at.$lt = filter.to;
    }
    return paginate(ctx.em, AccessLogEntry, where, first, after, 'at', 'sequence');
  }

  verifyAccessLog(ctx: Context, fromSequence: number | null | undefined, toSequence: number | null | undefined): Promise<Verification> {
    if (fromSequence != null && fromSequence < 1) throw badInput('fromSequence must be at least 1', 'fromSequence');
    if (toSequence != null && fromSequence != null && toSequence < fromSequence) throw badInput('toSequence must not be before fromSequence', 'toSequence');
    return this.deps.accessLog.verify(ctx.em, fromSequence, toSequence);
  }
}

import { enqueue } from '../../db/outbox';
import { isUuid } from '../../common/ids';
import { paginate, type Page } from '../../common/pagination';
import { requiredText } from '../../common/validate';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { badInput, conflict, notFound } from '../../errors';
import { User } from '../users/user.entity';
import { LegalHold, PurgeRun } from './retention.entity';

export class RetentionService {
  /** Queues a purge (through the outbox); the run is visible at once as RUNNING. */
  async runPurge(ctx: Context, dryRun: boolean): Promise<PurgeRun> {
    return inTransaction(ctx.em, async () => {
      const run = ctx.em.create(PurgeRun, { dryRun, requestedById: ctx.viewer.kind === 'user' ? ctx.viewer.userId : null });
      enqueue(ctx.em, 'purge', { purgeRunId: run.id });
      return run;
    });
  }

  purgeRuns(ctx: Context, first: number, after: string | null | undefined): Promise<Page<PurgeRun>> {
    return paginate(ctx.em, PurgeRun, {}, first, after, 'startedAt');
  }

  async placeHold(ctx: Context, subjectId: string, reason: string, until: Date | null | undefined): Promise<LegalHold> {
    const why = requiredText(reason, 'reason', 500);
    if (until && until <= new Date()) throw badInput('until must be in the future', 'until');
    if (!isUuid(subjectId) || !(await ctx.em.count(User, { id: subjectId }))) throw notFound('User');
    const hold = ctx.em.create(LegalHold, { subjectId, reason: why, until: until ?? null, placedById: ctx.viewer.kind === 'user' ? ctx.viewer.userId : null });
    await ctx.em.flush();
    return hold;
  }

  async releaseHold(ctx: Context, id: string): Promise<LegalHold> {
    const hold = isUuid(id) ? await ctx.em.findOne(LegalHold, id) : null;
    if (!hold) throw notFound('Legal hold');
    if (hold.releasedAt) throw conflict('The hold was already released');
    hold.releasedAt = new Date();
    await ctx.em.flush();
    return hold;
  }

  holds(ctx: Context, subjectId: string | null | undefined): Promise<LegalHold[]> {
    if (subjectId && !isUuid(subjectId)) return Promise.resolve([]);
    return ctx.em.find(LegalHold, subjectId ? { subjectId } : {}, { orderBy: { createdAt: 'desc' } });
  }
}

import type { Context } from '../../context';
import { badInput } from '../../errors';
import { ConsentPurpose } from '../consents/consent.entity';

/** SPEC 10: no statistic describes a group of fewer than 5 people. */
export const MIN_GROUP_SIZE = 5;
const MAX_PERIOD_DAYS = 366;

export class StatisticsService {
  async usage(ctx: Context, from: Date, to: Date) {
    if (!(from < to)) throw badInput('from must be before to', 'to');
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 24 * 3600 * 1000) throw badInput(`The period may span at most ${MAX_PERIOD_DAYS} days`, 'to');
    const one = async (sql: string, params: unknown[]) => (await ctx.em.execute<{ n: number }[]>(sql, params))[0].n;
    // Active: a member with a usage record or a web visit in the period.
    const activeSql = `select distinct u.id from users u
      where u.role = 'MEMBER' and u.status = 'ACTIVE' and (
        exists (select 1 from usage_events e where e.user_id = u.id and e.at >= ? and e.at < ?)
        or exists (select 1 from web_visits w where w.user_id = u.id and w.at >= ? and w.at < ?))`;
    const period = [from, to, from, to];
    const activeMembers = await one(`select count(*)::int as n from (${activeSql}) a`, period);
    const rates = await ctx.em.execute<{ purpose: ConsentPurpose; granted: number }[]>(
      `select c.purpose, count(*) filter (where c.granted)::int as granted from (
         select distinct on (e.user_id, e.purpose) e.user_id, e.purpose, e.granted from consent_events e
         where e.user_id in (${activeSql}) order by e.user_id, e.purpose, e.at desc, e.id desc) c
       group by c.purpose`,
      period,
    );
    const grantedBy = new Map(rates.map((r) => [r.purpose, r.granted]));
    return {
      from, to, activeMembers,
      newSignUps: await one('select count(*)::int as n from users where created_at >= ? and created_at < ?', [from, to]),
      consentRates: Object.values(ConsentPurpose).map((purpose) => ({
        purpose,
        rate: activeMembers < MIN_GROUP_SIZE ? null : Math.round(((grantedBy.get(purpose) ?? 0) / activeMembers) * 10000) / 10000,
      })),
      missionsStarted: await one('select count(*)::int as n from missions where created_at >= ? and created_at < ?', [from, to]),
      contentGenerated: await one('select count(*)::int as n from generated_contents where created_at >= ? and created_at < ?', [from, to]),
    };
  }
}

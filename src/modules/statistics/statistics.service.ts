import type { Context } from '../../context';
import { badInput } from '../../errors';
import { ConsentPurpose } from '../consents/consent.entity';

/** SPEC 10: no statistic describes a group of fewer than 5 people. */
export const MIN_GROUP_SIZE = 5;
const MAX_PERIOD_DAYS = 366;

/**
 * Usage over a period, with every figure whose group is under MIN_GROUP_SIZE
 * suppressed: a count reads 0 (the contract's counts are non-null), a consent
 * rate null, and either is named in `suppressedFigures`. The group of a figure
 * is the people it is about: the active members, the accounts created, the
 * members who started missions, the creators of generated content (a person,
 * or an API key counted as one); a consent rate has two groups, those who
 * grant the purpose and those who do not, and each must reach 5 (a rate of 0
 * or 1 describes everybody, and 1 of 6 describes that one). A group of 0 is
 * under 5 too, so a suppressed 0 does not tell that 1 to 4 were hidden.
 */
export class StatisticsService {
  async usage(ctx: Context, from: Date, to: Date) {
    if (!(from < to)) throw badInput('from must be before to', 'to');
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 24 * 3600 * 1000) throw badInput(`The period may span at most ${MAX_PERIOD_DAYS} days`, 'to');
    const row = async (sql: string, params: unknown[]) => (await ctx.em.execute<{ n: number; people: number }[]>(sql, params))[0];
    // Active: a member with a usage record or a web visit in the period. A suspended member is in no figure.
    const activeSql = `select distinct u.id from users u
      where u.role = 'MEMBER' and u.status = 'ACTIVE' and not u.processing_suspended and (
        exists (select 1 from usage_events e where e.user_id = u.id and e.at >= ? and e.at < ?)
        or exists (select 1 from web_visits w where w.user_id = u.id and w.at >= ? and w.at < ?))`;
    const period = [from, to, from, to];
    const active = await row(`select count(*)::int as n, count(*)::int as people from (${activeSql}) a`, period);
    const rates = await ctx.em.execute<{ purpose: ConsentPurpose; granted: number }[]>(
      `select c.purpose, count(*) filter (where c.granted)::int as granted from (
         select distinct on (e.user_id, e.purpose) e.user_id, e.purpose, e.granted from consent_events e
         where e.user_id in (${activeSql}) order by e.user_id, e.purpose, e.at desc, e.id desc) c
       group by c.purpose`,
      period,
    );
    const signUps = await row('select count(*)::int as n, count(*)::int as people from users where created_at >= ? and created_at < ? and not processing_suspended', [from, to]);
    const missions = await row(`select count(*)::int as n, count(distinct user_id)::int as people from missions m where created_at >= ? and created_at < ?
       and not exists (select 1 from users u where u.id = m.user_id and u.processing_suspended)`, [from, to]);
    const contents = await row(
      `select count(*)::int as n, count(distinct coalesce('u:' || created_by_id::text, 'k:' || created_by_api_key_id::text))::int as people
       from generated_contents g where created_at >= ? and created_at < ?
         and not exists (select 1 from users u where u.id = g.created_by_id and u.processing_suspended)`,
      [from, to],
    );

    const suppressedFigures: string[] = [];
    const count = (figure: string, { n, people }: { n: number; people: number }) => {
      if (people >= MIN_GROUP_SIZE) return n;
      suppressedFigures.push(figure);
      return 0;
    };
    const grantedBy = new Map(rates.map((r) => [r.purpose, r.granted]));
    const activeMembers = count('activeMembers', active);
    const newSignUps = count('newSignUps', signUps);
    const consentRates = Object.values(ConsentPurpose).map((purpose) => {
      const granted = grantedBy.get(purpose) ?? 0;
      if (granted < MIN_GROUP_SIZE || active.n - granted < MIN_GROUP_SIZE) {
        suppressedFigures.push(`consentRates.${purpose}`);
        return { purpose, rate: null };
      }
      return { purpose, rate: Math.round((granted / active.n) * 10000) / 10000 };
    });
    const missionsStarted = count('missionsStarted', missions);
    const contentGenerated = count('contentGenerated', contents);
    return { from, to, activeMembers, newSignUps, consentRates, missionsStarted, contentGenerated, suppressedFigures };
  }
}

import { Role } from '../../src/auth/roles';
import { type Account, createStaff, signUpMember } from '../factories/accounts';
import { insertOrganizationWithUsers } from '../factories/bulk';
import { UsageStatisticsDocument } from '../__generated__/typed-documents';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let admin: Account;
beforeAll(async () => {
  server = await startServer();
  admin = await createStaff(server, Role.ADMIN);
});
afterAll(async () => { await server.close(); });

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);

// Every test lives in its own past month, so no other test's traffic counts.
const periodOf = (month: string) => {
  const [year, m] = month.split('-').map(Number);
  return { from: `${month}-01T00:00:00Z`, to: new Date(Date.UTC(year, m, 1)).toISOString() };
};
const midMonth = (month: string) => new Date(`${month}-15T00:00:00Z`);

async function statistics(month: string, token = admin.token) {
  const result = await server.gql(UsageStatisticsDocument, periodOf(month), { token });
  expect(result.errors).toBeUndefined();
  return result.data!.usageStatistics;
}

/** `count` members created and active in the month, the first `marketing` of them granting MARKETING (the others refusing it). */
async function membersIn(month: string, count: number, marketing = 0): Promise<string[]> {
  const { userIds } = await insertOrganizationWithUsers(server.app.orm, server.app.services, count);
  const at = midMonth(month);
  await sql("update users set role = 'MEMBER', organization_id = null, created_at = ? where id in (?)", [at, userIds]);
  for (const [i, id] of userIds.entries()) {
    await sql("insert into usage_events (id, user_id, type, at) values (gen_random_uuid(), ?, 'SIGN_IN', ?)", [id, at]);
    await sql("insert into consent_events (id, user_id, purpose, granted, policy_version, channel, at) values (gen_random_uuid(), ?, 'MARKETING', ?, '2026-01-01', 'WEB', ?)", [id, i < marketing, at]);
  }
  return userIds;
}

/** People who exist today (so they count in no past month's sign-ups or activity). */
async function people(count: number): Promise<{ organizationId: string; userIds: string[] }> {
  return insertOrganizationWithUsers(server.app.orm, server.app.services, count);
}

/** `perPerson` missions started in the month by each of `count` people. */
async function missionsIn(month: string, count: number, perPerson: number): Promise<void> {
  const { userIds } = await people(count);
  // At the application's precision (milliseconds, as every key a page is ordered by is written): a microsecond
  // now() would sort this template differently from the cursor its page hands out, and other files' walks of
  // missionTemplates would meet it twice.
  const [template] = await sql(`insert into mission_templates (id, title, description, category, target_value, unit, duration_days, created_at)
    values (gen_random_uuid(), '걷기', '매일 걷기', 'STEPS', 8000, 'steps', 7, date_trunc('milliseconds', now())) returning id`);
  for (const id of userIds) {
    for (let i = 0; i < perPerson; i += 1) {
      await sql(`insert into missions (id, user_id, template_id, status, start_date, end_date, created_at)
        values (gen_random_uuid(), ?, ?, 'COMPLETED', '2000-01-01', '2000-01-07', ?)`, [id, template.id, midMonth(month)]);
    }
  }
}

/** `perPerson` contents generated in the month by each of `count` people of one organization. */
async function contentIn(month: string, count: number, perPerson: number): Promise<void> {
  const { organizationId, userIds } = await people(count);
  const [model] = await sql(`insert into influencer_models (id, organization_id, name, persona, status, created_at, updated_at)
    values (gen_random_uuid(), ?, '하루', '{}', 'READY', now(), now()) returning id`, [organizationId]);
  for (const id of userIds) {
    for (let i = 0; i < perPerson; i += 1) {
      await sql(`insert into generated_contents (id, model_id, model_version, kind, text, ai_generated, disclosure, created_by_id, created_at)
        values (gen_random_uuid(), ?, 1, 'POST', '오늘도 반가워요', true, 'AI가 생성한 콘텐츠입니다', ?, ?)`, [model.id, id, midMonth(month)]);
    }
  }
}

const rateOf = (stats: { consentRates: { purpose: string; rate: number | null }[] }, purpose: string) => stats.consentRates.find((r) => r.purpose === purpose)!.rate;

describe('usageStatistics: no figure describes fewer than 5 people (SPEC 10)', () => {
  it('given 10 active members, 5 of them granting MARKETING, then the counts and that rate; purposes nobody grants are suppressed', async () => {
    await membersIn('2001-03', 10, 5);
    const stats = await statistics('2001-03');
    expect(stats).toMatchObject({ activeMembers: 10, newSignUps: 10, missionsStarted: 0, contentGenerated: 0 });
    expect(rateOf(stats, 'MARKETING')).toBe(0.5);
    // Nobody grants the others: a rate of 0 would describe all 10.
    const purposes = stats.consentRates.map((r) => r.purpose);
    for (const purpose of purposes.filter((p) => p !== 'MARKETING')) expect(rateOf(stats, purpose)).toBeNull();
    expect(stats.suppressedFigures).toEqual([...purposes.filter((p) => p !== 'MARKETING').map((p) => `consentRates.${p}`), 'missionsStarted', 'contentGenerated']);
  });

  it('given 4 active members who signed up in the period, then activeMembers and newSignUps read 0 and are listed, and so is every rate', async () => {
    await membersIn('2002-03', 4, 4);
    const stats = await statistics('2002-03');
    expect(stats).toMatchObject({ activeMembers: 0, newSignUps: 0 });
    expect(stats.consentRates.every((r) => r.rate === null)).toBe(true);
    expect(stats.suppressedFigures).toEqual(expect.arrayContaining(['activeMembers', 'newSignUps', 'consentRates.MARKETING']));
  });

  it('given 5 active members who signed up in the period, then activeMembers and newSignUps are the real values, not listed', async () => {
    await membersIn('2003-03', 5, 0);
    const stats = await statistics('2003-03');
    expect(stats).toMatchObject({ activeMembers: 5, newSignUps: 5 });
    expect(stats.suppressedFigures).not.toContain('activeMembers');
    expect(stats.suppressedFigures).not.toContain('newSignUps');
  });

  it('given missions started by 4 people (8 missions), then missionsStarted reads 0 and is listed; by 5 people (10), then 10', async () => {
    await missionsIn('2004-03', 4, 2);
    const four = await statistics('2004-03');
    expect(four.missionsStarted).toBe(0);
    expect(four.suppressedFigures).toContain('missionsStarted');

    await missionsIn('2004-05', 5, 2);
    const five = await statistics('2004-05');
    expect(five.missionsStarted).toBe(10);
    expect(five.suppressedFigures).not.toContain('missionsStarted');
  });

  it('given content generated by 4 people (8 items), then contentGenerated reads 0 and is listed; by 5 people (10), then 10', async () => {
    await contentIn('2005-03', 4, 2);
    const four = await statistics('2005-03');
    expect(four.contentGenerated).toBe(0);
    expect(four.suppressedFigures).toContain('contentGenerated');

    await contentIn('2005-05', 5, 2);
    const five = await statistics('2005-05');
    expect(five.contentGenerated).toBe(10);
    expect(five.suppressedFigures).not.toContain('contentGenerated');
  });

  it('given a consent rate with 4 on one side (granted or not), then it is null and listed; with 5 on each side, then the rate', async () => {
    await membersIn('2006-03', 9, 4); // 4 grant, 5 refuse
    const fewGrant = await statistics('2006-03');
    expect(fewGrant.activeMembers).toBe(9);
    expect(rateOf(fewGrant, 'MARKETING')).toBeNull();
    expect(fewGrant.suppressedFigures).toContain('consentRates.MARKETING');

    await membersIn('2006-05', 9, 5); // 5 grant, 4 refuse
    const fewRefuse = await statistics('2006-05');
    expect(rateOf(fewRefuse, 'MARKETING')).toBeNull();
    expect(fewRefuse.suppressedFigures).toContain('consentRates.MARKETING');

    await membersIn('2006-07', 10, 5); // 5 and 5
    const enough = await statistics('2006-07');
    expect(rateOf(enough, 'MARKETING')).toBe(0.5);
    expect(enough.suppressedFigures).not.toContain('consentRates.MARKETING');
    // Nobody was asked about the other purposes here: 0 grant them, so they stay suppressed.
    const others = enough.consentRates.map((r) => r.purpose).filter((p) => p !== 'MARKETING');
    expect(enough.suppressedFigures).toEqual(expect.arrayContaining(others.map((p) => `consentRates.${p}`)));
  });

  it('given a period with nobody, then every figure reads 0 (or null) and is listed', async () => {
    const stats = await statistics('1999-03');
    expect(stats).toMatchObject({ activeMembers: 0, newSignUps: 0, missionsStarted: 0, contentGenerated: 0 });
    expect(stats.suppressedFigures).toEqual(['activeMembers', 'newSignUps', ...stats.consentRates.map((r) => `consentRates.${r.purpose}`), 'missionsStarted', 'contentGenerated']);
  });

  it('given other callers or bad periods, then FORBIDDEN, UNAUTHENTICATED or BAD_USER_INPUT', async () => {
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    const member = await signUpMember(server);
    const period = { from: '2001-03-01T00:00:00Z', to: '2001-04-01T00:00:00Z' };
    expect((await server.gql(UsageStatisticsDocument, period, { token: officer.token })).errors).toBeUndefined();
    expectError(await server.gql(UsageStatisticsDocument, period, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(UsageStatisticsDocument, period), 'UNAUTHENTICATED');
    expectError(await server.gql(UsageStatisticsDocument, { from: period.to, to: period.from }, { token: officer.token }), 'BAD_USER_INPUT', 'to');
    expectError(await server.gql(UsageStatisticsDocument, { from: '2001-01-01T00:00:00Z', to: '2003-01-01T00:00:00Z' }, { token: officer.token }), 'BAD_USER_INPUT', 'to');
  });
});

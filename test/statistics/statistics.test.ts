import { Role } from '../../src/auth/roles';
import { UsageStatisticsDocument } from '../__generated__/typed-documents';
import { createStaff, signUpMember } from '../factories/accounts';
import { insertOrganizationWithUsers } from '../factories/bulk';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

/** Members living entirely in a past month, so no other test's traffic counts. */
async function membersIn(month: string, count: number, marketing: number): Promise<void> {
  const { userIds } = await insertOrganizationWithUsers(server.app.orm, server.app.services, count);
  const em = server.app.orm.em.fork();
  const at = new Date(`${month}-15T00:00:00Z`);
  await em.execute("update users set role = 'MEMBER', organization_id = null, created_at = ? where id in (?)", [at, userIds]);
  for (const [i, id] of userIds.entries()) {
    await em.execute("insert into usage_events (id, user_id, type, at) values (gen_random_uuid(), ?, 'SIGN_IN', ?)", [id, at]);
    await em.execute("insert into consent_events (id, user_id, purpose, granted, policy_version, channel, at) values (gen_random_uuid(), ?, 'MARKETING', ?, '2026-01-01', 'WEB', ?)", [id, i < marketing, at]);
  }
}

describe('usageStatistics', () => {
  it('given 6 active members, then counts and consent rates; given 4, then rates are suppressed', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    await membersIn('2001-03', 6, 3);
    const big = await server.gql(UsageStatisticsDocument, { from: '2001-03-01T00:00:00Z', to: '2001-04-01T00:00:00Z' }, { token: admin.token });
    expect(big.errors).toBeUndefined();
    expect(big.data!.usageStatistics).toMatchObject({ activeMembers: 6, newSignUps: 6, missionsStarted: 0, contentGenerated: 0 });
    const rates = Object.fromEntries(big.data!.usageStatistics.consentRates.map((r) => [r.purpose, r.rate]));
    expect(rates).toMatchObject({ MARKETING: 0.5, PERSONALIZATION: 0 });

    await membersIn('2002-03', 4, 4);
    const small = await server.gql(UsageStatisticsDocument, { from: '2002-03-01T00:00:00Z', to: '2002-04-01T00:00:00Z' }, { token: admin.token });
    expect(small.data!.usageStatistics.activeMembers).toBe(4);
    expect(small.data!.usageStatistics.consentRates.every((r) => r.rate === null)).toBe(true);
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

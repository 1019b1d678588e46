import { ConsentPurposesDocument, MeDocument, UpdateConsentsDocument, UserConsentHistoryDocument, UserByIdDocument, UserConsentsDocument, UsersConsentsDocument } from '../__generated__/typed-documents';
import { createStaff, signUpEnterprise, signUpMember, type Account } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { Client } from 'pg';
import { Role } from '../../src/auth/roles';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const consentMap = (consents: { purpose: string; granted: boolean }[]) => Object.fromEntries(consents.map((c) => [c.purpose, c.granted]));

describe('consentPurposes', () => {
  it('given no identity, then all seven purposes with required and sensitive flags are listed in order', async () => {
    const result = await server.gql(ConsentPurposesDocument, {});
    expect(result.errors).toBeUndefined();
    const purposes = result.data!.consentPurposes;
    expect(purposes.map((p) => p.purpose)).toEqual([
      'TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION', 'MARKETING', 'PERSONALIZATION', 'HEALTH_DATA', 'CONVERSATION_ANALYSIS', 'THIRD_PARTY_PROVISION',
    ]);
    expect(purposes.filter((p) => p.required).map((p) => p.purpose)).toEqual(['TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION']);
    expect(purposes.filter((p) => p.sensitive).map((p) => p.purpose)).toEqual(['HEALTH_DATA']);
    for (const p of purposes) {
      expect(p.title.length).toBeGreaterThan(0);
      expect(p.items.length).toBeGreaterThan(0);
      expect(p.retention.length).toBeGreaterThan(0);
    }
  });
});

describe('updateConsents', () => {
  it('given a member, when consents change, then events are appended with channel and the state follows', async () => {
    const member = await signUpMember(server);
    const result = await server.gql(UpdateConsentsDocument, {
      consents: [{ purpose: 'MARKETING', granted: true }, { purpose: 'HEALTH_DATA', granted: true }],
      channel: 'MOBILE',
    }, { token: member.token });
    expect(result.errors).toBeUndefined();
    expect(consentMap(result.data!.updateConsents)).toMatchObject({ MARKETING: true, HEALTH_DATA: true, PERSONALIZATION: false });

    const withdrawn = await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'MARKETING', granted: false }] }, { token: member.token });
    expect(consentMap(withdrawn.data!.updateConsents)).toMatchObject({ MARKETING: false, HEALTH_DATA: true });

    const me = await server.gql(MeDocument, {}, { token: member.token });
    const marketing = me.data!.me!.consentHistory.filter((e) => e.purpose === 'MARKETING');
    expect(marketing.map((e) => [e.granted, e.channel])).toEqual([[false, 'WEB'], [true, 'MOBILE'], [false, 'WEB']]);
    const [{ count }] = await server.app.orm.em.fork().execute(
      "select count(*)::int as count from usage_events where user_id = ? and type = 'CONSENT_CHANGE'", [member.userId]);
    expect(count).toBe(2);
  });

  it('given an unchanged decision, then no event is appended', async () => {
    const member = await signUpMember(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'PERSONALIZATION', granted: false }] }, { token: member.token });
    const me = await server.gql(MeDocument, {}, { token: member.token });
    expect(me.data!.me!.consentHistory).toHaveLength(7);
  });

  it.each(['TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION'] as const)('given a required purpose %s, when withdrawn, then BAD_USER_INPUT and nothing changes', async (purpose) => {
    const member = await signUpMember(server);
    const result = await server.gql(UpdateConsentsDocument, {
      consents: [{ purpose: 'MARKETING', granted: true }, { purpose, granted: false }],
    }, { token: member.token });
    expectError(result, 'BAD_USER_INPUT', 'consents');
    const me = await server.gql(MeDocument, {}, { token: member.token });
    expect(consentMap(me.data!.me!.consents)).toMatchObject({ [purpose]: true, MARKETING: false });
  });

  it('given a purpose twice, then BAD_USER_INPUT', async () => {
    const member = await signUpMember(server);
    const result = await server.gql(UpdateConsentsDocument, {
      consents: [{ purpose: 'MARKETING', granted: true }, { purpose: 'MARKETING', granted: false }],
    }, { token: member.token });
    expectError(result, 'BAD_USER_INPUT', 'consents');
  });

  it('given no identity, then UNAUTHENTICATED', async () => {
    const result = await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'MARKETING', granted: true }] });
    expectError(result, 'UNAUTHENTICATED');
  });
});

describe('consent history access', () => {
  it('given staff, then ADMIN sees current consents but not the history; PRIVACY_OFFICER sees the history', async () => {
    const member = await signUpMember(server);
    const admin = await createStaff(server, Role.ADMIN);
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    const byAdmin = await server.gql(UserConsentHistoryDocument, { id: member.userId }, { token: admin.token });
    expectError(byAdmin, 'FORBIDDEN');
    const byOfficer = await server.gql(UserConsentHistoryDocument, { id: member.userId }, { token: officer.token });
    expect(byOfficer.errors).toBeUndefined();
    expect(byOfficer.data!.user!.consentHistory).toHaveLength(7);
    const user = await server.gql(UserByIdDocument, { id: member.userId }, { token: admin.token });
    expect(user.errors).toBeUndefined();
  });
});

// The consents in force are kept on the user's row by the database (Migration20261208100000); pages of users show
// them from there. Whatever writes the events, the state shown is the latest event per purpose.
describe('consents in force, as the database keeps them', () => {
  type Shown = { purpose: string; granted: boolean; policyVersion: string; updatedAt: string }[];
  let admin: Account;
  beforeAll(async () => { admin = await createStaff(server, Role.ADMIN); });

  const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<T[]>(query, params);
  /** The latest event per purpose, read from the history itself. */
  const fromHistory = async (userId: string): Promise<Shown> => {
    // Milliseconds, as the API shows a time.
    const rows = await sql<{ purpose: string; granted: boolean; policy_version: string; ms: number }>(
      `select distinct on (purpose) purpose, granted, policy_version, floor(extract(epoch from at) * 1000)::float8 as ms
       from consent_events where user_id = ? order by purpose, at desc, id desc`, [userId]);
    const order = ['TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION', 'MARKETING', 'PERSONALIZATION', 'HEALTH_DATA', 'CONVERSATION_ANALYSIS', 'THIRD_PARTY_PROVISION'];
    return rows.sort((a, b) => order.indexOf(a.purpose) - order.indexOf(b.purpose))
      .map((r) => ({ purpose: r.purpose, granted: r.granted, policyVersion: r.policy_version, updatedAt: new Date(r.ms).toISOString() }));
  };
  /** What staff see: on a page of users (read from the row) and on the user alone (loaded); both must agree. */
  const shown = async (account: Account): Promise<Shown> => {
    const listed = await server.gql(UsersConsentsDocument, { first: 10, filter: { organizationId: account.organizationId } }, { token: admin.token });
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.users.edges.map((e) => e.node.id)).toEqual([account.userId]);
    const alone = await server.gql(UserConsentsDocument, { id: account.userId }, { token: admin.token });
    expect(alone.errors).toBeUndefined();
    expect(alone.data!.user!.consents).toEqual(listed.data!.users.edges[0].node.consents);
    return listed.data!.users.edges[0].node.consents as Shown;
  };
  const marketing = async (account: Account) => (await shown(account)).find((c) => c.purpose === 'MARKETING')?.granted;

  it('given a sign-up and a change through the API, then the page shows the latest decision per purpose', async () => {
    const user = await signUpEnterprise(server);
    const initial = await shown(user);
    expect(initial).toHaveLength(7);
    expect(initial).toEqual(await fromHistory(user.userId));
    expect(consentMap(initial)).toMatchObject({ TERMS_OF_SERVICE: true, MARKETING: false });
    expect((await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'MARKETING', granted: true }] }, { token: user.token })).errors).toBeUndefined();
    expect(await marketing(user)).toBe(true);
    expect(await shown(user)).toEqual(await fromHistory(user.userId));
  });

  it('given events written, changed and deleted by SQL (a console, the purge, erasure), then the state follows the history', async () => {
    const user = await signUpEnterprise(server);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'MARKETING', granted: true }] }, { token: user.token });
    const insert = "insert into consent_events (id, user_id, purpose, granted, policy_version, channel, at) values (gen_random_uuid(), ?, 'MARKETING', ?, 'v-sql', 'ADMIN_CONSOLE', now() + ?::interval)";
    // An older decision arriving late does not replace the newer one.
    await sql(insert, [user.userId, false, '-1 day']);
    expect(await marketing(user)).toBe(true);
    // A newer one does.
    await sql(insert, [user.userId, false, '1 second']);
    expect(await shown(user)).toEqual(await fromHistory(user.userId));
    expect(await marketing(user)).toBe(false);
    // Changed in place: the state is recomputed.
    await sql("update consent_events set granted = true where user_id = ? and policy_version = 'v-sql' and at > now()", [user.userId]);
    expect(await marketing(user)).toBe(true);
    // The latest deleted: the one before it is in force again (the API's grant), not the late older one.
    await sql("delete from consent_events where user_id = ? and policy_version = 'v-sql' and at > now()", [user.userId]);
    const after = await shown(user);
    expect(after.find((c) => c.purpose === 'MARKETING')).toMatchObject({ granted: true, policyVersion: expect.not.stringMatching(/v-sql/) });
    expect(after).toEqual(await fromHistory(user.userId));
    // Every event gone: nothing in force, and nothing shown.
    await sql('delete from consent_events where user_id = ?', [user.userId]);
    expect(await shown(user)).toEqual([]);
    expect(await sql('select current_consents from users where id = ?', [user.userId])).toEqual([{ current_consents: null }]);
  });

  it('given two transactions deciding for one user at once (a console beside the purge, say), then the state holds both', async () => {
    const user = await signUpEnterprise(server);
    const first = new Client({ connectionString: server.app.config.databaseUrl });
    const second = new Client({ connectionString: server.app.config.databaseUrl });
    await first.connect();
    await second.connect();
    try {
      const insert = "insert into consent_events (id, user_id, purpose, granted, policy_version, channel, at) values (gen_random_uuid(), $1, $2, true, 'v-race', 'ADMIN_CONSOLE', clock_timestamp())";
      await first.query('begin');
      await first.query(insert, [user.userId, 'MARKETING']);
      // The second starts before the first commits: its statement's snapshot does not hold the first's event.
      await second.query('begin');
      const [{ pid }] = (await second.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
      const secondInsert = second.query(insert, [user.userId, 'HEALTH_DATA']);
      // It waits on the user's row, which the first's trigger updated.
      for (let waited = 0; ; waited += 1) {
        const [{ waiting }] = (await server.app.orm.em.fork().execute<{ waiting: boolean }[]>(
          "select coalesce((select wait_event_type = 'Lock' from pg_stat_activity where pid = ?), false) as waiting", [pid]));
        if (waiting) break;
        if (waited > 200) throw new Error('the second transaction never waited for the first');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await first.query('commit');
      await secondInsert;
      await second.query('commit');
    } finally {
      await first.end();
      await second.end();
    }
    const state = await shown(user);
    expect(consentMap(state)).toMatchObject({ MARKETING: true, HEALTH_DATA: true });
    expect(state).toEqual(await fromHistory(user.userId));
  });

  it('given every user written by this file, then each row\'s state equals the one its history gives', async () => {
    const drift = await sql<{ count: number }>(
      'select count(*)::int as count from users where current_consents::text is distinct from consent_events_state_of(id)::text');
    expect(drift).toEqual([{ count: 0 }]);
    const [{ count }] = await sql<{ count: number }>('select count(*)::int as count from users where current_consents is not null');
    expect(count).toBeGreaterThan(5);
  });
});

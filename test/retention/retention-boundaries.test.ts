import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DataCategory, RetentionAction } from '../../src/modules/policies/policy.entity';
import { executePurge } from '../../src/modules/retention/purge';
import { purgePlan } from '../../src/modules/retention/purge-plan';
import { PurgeRun } from '../../src/modules/retention/retention.entity';
import { lifecycleTargets, retentionPolicies } from '../../src/privacy/lifecycle';
import { PERSONAL_DATA_REGISTRY } from '../../src/privacy/registry';
import { CreateModelDocument, CreateProductDocument } from '../__generated__/typed-documents';
import { type Account, signUpEnterprise, signUpMember } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

// Retention reads the registry: every DELETE or SEPARATE policy has targets
// derived from it, and each category's boundary holds on both sides, with the
// purge's clock set by the test.

let server: TestServer;
let em: EntityManager;
beforeAll(async () => {
  server = await startServer();
  em = server.app.orm.em.fork() as EntityManager;
});
afterAll(async () => { await server.close(); });

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const DAY = 24 * 3600 * 1000;
// A clock a little ahead of the wall clock, so every boundary is computed from it, not from now().
const NOW = new Date(Date.now() + 3 * DAY);
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const YEAR = 365;

async function purgeAt(now: Date): Promise<Map<string, number>> {
  const run = server.app.orm.em.fork();
  const row = run.create(PurgeRun, { dryRun: false });
  await run.flush();
  await executePurge(server.app.orm, server.app.services.storage, row.id, now);
  const done = await server.app.orm.em.fork().findOneOrFail(PurgeRun, row.id);
  expect(done.status).toBe('SUCCEEDED');
  return new Map(done.counts.map((c) => [`${c.category}`, c.count]));
}

describe('retention targets come from the registry', () => {
  it('gives every DELETE or SEPARATE policy at least one target of its own category', async () => {
    const policies = await retentionPolicies(em);
    const steps = await purgePlan(em, NOW);
    const without = [...policies.values()]
      .filter((p) => p.action === RetentionAction.DELETE || p.action === RetentionAction.SEPARATE)
      .filter((p) => !steps.some((s) => s.category === p.category && s.entity !== 'SeparatedRecord'))
      .map((p) => p.category);
    expect(without).toEqual([]);
    expect(policies.size).toBe(Object.values(DataCategory).length);
  });

  it('declares a lifecycle for every entity holding personal data about a subject (so erasure and retention cover it)', () => {
    const missing = Object.entries(PERSONAL_DATA_REGISTRY)
      .filter(([, r]) => r.subject !== null && Object.keys(r.personal).length > 0 && !r.lifecycle)
      .map(([entity]) => entity);
    expect(missing).toEqual([]);
    // Every class resolves to real columns.
    expect(() => lifecycleTargets(em)).not.toThrow();
  });
});

describe('each category on both sides of its boundary', () => {
  let member: Account;
  let held: Account;
  let model: { id: string };
  let product: { id: string };
  beforeAll(async () => {
    const shop = await signUpEnterprise(server);
    model = (await server.gql(CreateModelDocument, { input: { organizationId: shop.organizationId!, name: 'm', persona: { displayName: 'm' } } }, { token: shop.token })).data!.createModel;
    product = (await server.gql(CreateProductDocument, { input: { organizationId: shop.organizationId!, name: 'p', category: 'c', tags: [], priceKrw: 100 } }, { token: shop.token })).data!.createProduct;
    member = await signUpMember(server);
    held = await signUpMember(server);
    await sql("insert into legal_holds (id, subject_id, reason, created_at) values (gen_random_uuid(), ?, '분쟁', now())", [held.userId]);
  });

  it('WEB_VISIT_LOG 3 months, SERVICE_USAGE_RECORD 3 years, CONVERSATION_LOG 1 year; held subjects keep theirs', async () => {
    const visit = (user: string, at: Date, op: string) => sql("insert into web_visits (id, at, ip_address, operation, user_id) values (gen_random_uuid(), ?, '127.0.0.1', ?, ?)", [at, op, user]);
    await visit(member.userId, ago(92), 'wv-expired');
    await visit(member.userId, ago(88), 'wv-kept');
    await visit(held.userId, ago(200), 'wv-held');
    const usage = (user: string, at: Date, type: string) => sql('insert into usage_events (id, user_id, type, at) values (gen_random_uuid(), ?, ?, ?)', [user, type, at]);
    await usage(member.userId, ago(3 * YEAR + 2), 'SIGN_OUT');
    await usage(member.userId, ago(3 * YEAR - 2), 'PASSWORD_CHANGE');
    const conversation = randomUUID();
    {
      await sql('insert into conversations (id, user_id, model_id, created_at, updated_at) values (?, ?, ?, ?, ?)', [conversation, member.userId, model.id, ago(400), ago(400)]);
      await sql("insert into chat_messages (id, conversation_id, user_id, role, ai_generated, redactions, text_enc, created_at) values (gen_random_uuid(), ?, ?, 'USER', false, '{}', '\\x00', ?)", [conversation, member.userId, ago(366)]);
      await sql("insert into chat_messages (id, conversation_id, user_id, role, ai_generated, redactions, text_enc, created_at) values (gen_random_uuid(), ?, ?, 'USER', false, '{}', '\\x00', ?)", [conversation, member.userId, ago(364)]);
    }

    const counts = await purgeAt(NOW);
    const ops = (await sql('select operation from web_visits where user_id in (?, ?)', [member.userId, held.userId])).map((r) => r.operation);
    expect(ops).toEqual(expect.arrayContaining(['wv-kept', 'wv-held']));
    expect(ops).not.toContain('wv-expired');
    const types = (await sql('select type from usage_events where user_id = ?', [member.userId])).map((r) => r.type);
    expect(types).toContain('PASSWORD_CHANGE');
    expect(types).not.toContain('SIGN_OUT');
    expect(counts.get('WEB_VISIT_LOG')).toBeGreaterThanOrEqual(1);
    {
      expect(await sql('select count(*)::int as n from chat_messages where conversation_id = ?', [conversation])).toEqual([{ n: 1 }]);
      // The conversation stays while a message does.
      expect(await sql('select count(*)::int as n from conversations where id = ?', [conversation])).toEqual([{ n: 1 }]);
    }
    // Idempotent: a second run at the same clock finds nothing more.
    const again = await purgeAt(NOW);
    expect(again.get('WEB_VISIT_LOG')).toBe(0);
    expect(again.get('SERVICE_USAGE_RECORD')).toBe(0);
  });

  it('HEALTH_DATA and MARKETING_CONSENT go when their consent is withdrawn, not while it is granted', async () => {
    const withdrawn = await signUpMember(server);
    const granted = await signUpMember(server);
    const consent = (user: string, purpose: string, value: boolean, at: Date) =>
      sql("insert into consent_events (id, user_id, purpose, granted, policy_version, channel, at) values (gen_random_uuid(), ?, ?, ?, '2026-11-01', 'WEB', ?)", [user, purpose, value, at]);
    for (const user of [withdrawn.userId, granted.userId]) {
      await consent(user, 'HEALTH_DATA', true, ago(2));
      await consent(user, 'MARKETING', true, ago(2));
      await sql("insert into health_profiles (user_id, updated_at) values (?, now())", [user]);
    }
    await consent(withdrawn.userId, 'HEALTH_DATA', false, ago(1));
    await consent(withdrawn.userId, 'MARKETING', false, ago(1));
    await purgeAt(NOW);
    expect(await sql('select user_id from health_profiles where user_id in (?, ?)', [withdrawn.userId, granted.userId])).toEqual([{ user_id: granted.userId }]);
    const marketing = await sql("select user_id, granted from consent_events where purpose = 'MARKETING' and user_id in (?, ?) order by at", [withdrawn.userId, granted.userId]);
    // The withdrawn member keeps only the withdrawal (the state in force); the granting member keeps everything.
    expect(marketing.filter((r) => r.user_id === withdrawn.userId)).toEqual([{ user_id: withdrawn.userId, granted: false }]);
    expect(marketing.filter((r) => r.user_id === granted.userId).map((r) => r.granted)).toEqual([false, true]);
  });

  it('PAYMENT_RECORD and CONTRACT_RECORD 5 years, COMPLAINT_RECORD 3 years, in the live tables and the separate store', async () => {
    const buyer = await signUpMember(server);
    {
      await sql('insert into purchases (id, user_id, product_id, quantity, amount_krw, purchased_at) values (gen_random_uuid(), ?, ?, 1, 100, ?)', [buyer.userId, product.id, ago(5 * YEAR + 3)]);
      await sql('insert into purchases (id, user_id, product_id, quantity, amount_krw, purchased_at) values (gen_random_uuid(), ?, ?, 1, 200, ?)', [buyer.userId, product.id, ago(5 * YEAR - 3)]);
    }
    // Terms: the latest consent is the contract in force and stays however old; a superseded one goes after 5 years.
    await sql("insert into consent_events (id, user_id, purpose, granted, policy_version, channel, at) values (gen_random_uuid(), ?, 'TERMS_OF_SERVICE', true, 'old', 'WEB', ?)", [buyer.userId, ago(6 * YEAR)]);
    const dsr = (at: Date) => sql("insert into data_subject_requests (id, subject_id, type, submitted_at, due_at) values (gen_random_uuid(), ?, 'ACCESS', ?, ?) returning id", [buyer.userId, at, at]);
    const [oldRequest] = await dsr(ago(3 * YEAR + 2));
    const [newRequest] = await dsr(ago(3 * YEAR - 2));
    const separated = (category: string, until: Date) => sql("insert into separate_store.retained_records (id, subject_id, category, source, legal_basis, retain_until, separated_at, data) values (gen_random_uuid(), ?, ?, 'Purchase', 'law', ?, now(), '{}') returning id", [buyer.userId, category, until]);
    const [gone] = await separated('PAYMENT_RECORD', ago(1));
    const [stays] = await separated('PAYMENT_RECORD', ago(-1));

    await purgeAt(NOW);
    expect((await sql('select amount_krw from purchases where user_id = ?', [buyer.userId])).map((r) => r.amount_krw)).toEqual([200]);
    const terms = await sql("select policy_version from consent_events where user_id = ? and purpose = 'TERMS_OF_SERVICE'", [buyer.userId]);
    expect(terms.map((t) => t.policy_version)).not.toContain('old');
    expect(terms.length).toBe(1);
    const requests = (await sql('select id from data_subject_requests where subject_id = ?', [buyer.userId])).map((r) => r.id);
    expect(requests).toEqual([newRequest.id]);
    expect(requests).not.toContain(oldRequest.id);
    const store = (await sql('select id from separate_store.retained_records where subject_id = ?', [buyer.userId])).map((r) => r.id);
    expect(store).toEqual([stays.id]);
    expect(store).not.toContain(gone.id);
  });

  it('MEMBER_PROFILE: a withdrawn account left with profile data (a hold that ended) is cleared; an active one is not', async () => {
    const leaver = await signUpMember(server);
    const stayer = await signUpMember(server);
    await sql("update users set status = 'WITHDRAWN', withdrawn_at = ? where id = ?", [ago(1), leaver.userId]);
    await purgeAt(NOW);
    const [gone] = await sql('select name_enc, email_index, password_hash from users where id = ?', [leaver.userId]);
    expect(gone).toEqual({ name_enc: null, email_index: null, password_hash: null });
    const [kept] = await sql('select name_enc, email_index from users where id = ?', [stayer.userId]);
    expect(kept.name_enc).not.toBeNull();
    expect(kept.email_index).not.toBeNull();
  });

  it('a failed run is retried in the same PurgeRun until it succeeds', async () => {
    const run = server.app.orm.em.fork();
    const row = run.create(PurgeRun, { dryRun: true });
    await run.flush();
    await sql("update purge_runs set status = 'FAILED', error = 'x' where id = ?", [row.id]);
    await executePurge(server.app.orm, server.app.services.storage, row.id, NOW);
    const [after] = await sql('select status, error from purge_runs where id = ?', [row.id]);
    expect(after).toEqual({ status: 'SUCCEEDED', error: null });
  });
});

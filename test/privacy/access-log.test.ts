import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { openOrm } from '../../src/db/orm';
import { AccessAction } from '../../src/privacy/access-log.entity';
import { AccessLogService, entryHash, GENESIS_HASH } from '../../src/privacy/access-log.service';
import {
  AccessLogsDocument, type AccessLogsQuery, type AccessLogFilter, RevealPersonalDataDocument, SignInDocument, UserByIdDocument, VerifyAccessLogDocument,
} from '../__generated__/typed-documents';
import { type Account, createStaff, PASSWORD, signUpEnterprise, signUpMember } from '../factories/accounts';
import { expectError, type GqlResult, startServer, type TestServer } from '../setup/harness';
import { scratchDatabase } from './scratch-database';

// SPEC 10: who, when, from where, whose data, which fields, which operation,
// why. Each entry carries the hash of its predecessor; the table is
// append-only in PostgreSQL; verifyAccessLog recomputes the chain.

type Node = AccessLogsQuery['accessLogs']['edges'][number]['node'];

let server: TestServer;
let db: Client;
let admin: Account;
let officer: Account;

beforeAll(async () => {
  server = await startServer();
  db = new Client({ connectionString: server.app.config.databaseUrl });
  await db.connect();
  admin = await createStaff(server, Role.ADMIN);
  officer = await createStaff(server, Role.PRIVACY_OFFICER, '박보호');
});
afterAll(async () => {
  await db.end();
  await server.close();
});

const head = async (client: Client = db) =>
  (await client.query<{ sequence: number; hash: string; checkpointSequence: number; checkpointHash: string }>(
    'select sequence, hash, checkpoint_sequence as "checkpointSequence", checkpoint_hash as "checkpointHash" from access_log_head where id = 1',
  )).rows[0];

const verify = async (fromSequence?: number, toSequence?: number) => {
  const result = await server.gql(VerifyAccessLogDocument, { fromSequence, toSequence }, { token: officer.token });
  expect(result.errors).toBeUndefined();
  return result.data!.verifyAccessLog;
};

/** Every entry matching the filter, page by page, as the officer. */
async function allLogs(filter: AccessLogFilter, pageSize = 100): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (;;) {
    const page: GqlResult<AccessLogsQuery> = await server.gql(AccessLogsDocument, { first: pageSize, after, filter }, { token: officer.token });
    expect(page.errors).toBeUndefined();
    nodes.push(...page.data!.accessLogs.edges.map((e) => e.node));
    if (!page.data!.accessLogs.pageInfo.hasNextPage) return nodes;
    after = page.data!.accessLogs.pageInfo.endCursor;
  }
}

describe('accessLogs and verifyAccessLog: who may call them', () => {
  it.each([
    ['an ADMIN', () => admin.token, 'FORBIDDEN'],
    ['a MEMBER', async () => (await signUpMember(server)).token, 'FORBIDDEN'],
    ['an ENTERPRISE user', async () => (await signUpEnterprise(server)).token, 'FORBIDDEN'],
    ['nobody', () => undefined, 'UNAUTHENTICATED'],
  ])('given %s, then both are refused', async (_label, tokenOf, code) => {
    const token = await tokenOf();
    const logs = await server.gql(AccessLogsDocument, { first: 5 }, { token });
    expectError(logs, code);
    expect(logs.data).toBeNull();
    const verification = await server.gql(VerifyAccessLogDocument, {}, { token });
    expectError(verification, code);
    expect(verification.data).toBeNull();
  });

  it('given a PRIVACY_OFFICER, then the log is served oldest first with every column', async () => {
    const page = await server.gql(AccessLogsDocument, { first: 3 }, { token: officer.token });
    expect(page.errors).toBeUndefined();
    const nodes = page.data!.accessLogs.edges.map((e) => e.node);
    expect(nodes.map((n) => n.sequence)).toEqual([1, 2, 3]);
    expect(nodes[0].previousHash).toBe(GENESIS_HASH);
    expect(nodes[1].previousHash).toBe(nodes[0].hash);
    expect(page.data!.accessLogs.totalCount).toBe((await head()).sequence);
  });
});

describe('accessLogs filters and pagination', () => {
  let first: Account;
  let second: Account;
  let adminEntries: Node[];

  beforeAll(async () => {
    first = await signUpMember(server, { name: '가나다' });
    second = await signUpMember(server, { name: '라마바' });
    expect((await server.gql(UserByIdDocument, { id: first.userId }, { token: admin.token })).errors).toBeUndefined();
    expect((await server.gql(RevealPersonalDataDocument, { userId: second.userId, fields: ['EMAIL'], reason: '문의 응대' }, { token: admin.token })).errors).toBeUndefined();
    expect((await server.gql(UserByIdDocument, { id: first.userId }, { token: officer.token })).errors).toBeUndefined();
    adminEntries = await allLogs({ actorId: admin.userId });
  });

  it('given subjectId, then only entries about that subject, with who, what, which fields and from where', async () => {
    const entries = await allLogs({ subjectId: first.userId });
    expect(entries.map((e) => [e.action, e.actorId, e.actorRole])).toEqual([
      ['READ', admin.userId, 'ADMIN'],
      ['READ', officer.userId, 'PRIVACY_OFFICER'],
    ]);
    expect(entries[0]).toMatchObject({
      subjectId: first.userId, operation: 'UserById', ipAddress: '127.0.0.1', reason: null,
      // The personal fields the query selected (createdAt, role and status are not personal), sorted.
      fields: ['department', 'email', 'jobTitle', 'name', 'phone'],
    });
    expect(entries[0].sequence).toBeLessThan(entries[1].sequence);
  });

  it('given actorId, then only that actor: the admin signed in, read one user and revealed another', async () => {
    expect(adminEntries.map((e) => [e.action, e.subjectId])).toEqual([
      ['SIGN_IN', admin.userId],
      ['READ', first.userId],
      ['REVEAL', second.userId],
    ]);
    expect(adminEntries[2]).toMatchObject({ fields: ['email'], reason: '문의 응대', operation: 'RevealPersonalData' });
  });

  it('given action, alone and combined, then only that action', async () => {
    const reveals = await allLogs({ action: 'REVEAL' });
    expect(reveals.length).toBeGreaterThanOrEqual(1);
    expect(reveals.every((e) => e.action === 'REVEAL')).toBe(true);
    expect(await allLogs({ action: 'REVEAL', actorId: admin.userId })).toEqual([adminEntries[2]]);
    expect(await allLogs({ action: 'SIGN_IN', subjectId: second.userId })).toEqual([]);
  });

  it('given from and to, then entries at or after from and strictly before to', async () => {
    const [signIn, read, revealed] = adminEntries;
    const expectWindow = (from: string | null, to: string | null) => adminEntries.filter((e) =>
      (from === null || Date.parse(e.at) >= Date.parse(from)) && (to === null || Date.parse(e.at) < Date.parse(to)));
    expect(await allLogs({ actorId: admin.userId, from: read.at })).toEqual(expectWindow(read.at, null));
    expect(await allLogs({ actorId: admin.userId, from: read.at })).toContainEqual(read);
    expect(await allLogs({ actorId: admin.userId, to: revealed.at })).toEqual(expectWindow(null, revealed.at));
    expect(await allLogs({ actorId: admin.userId, to: revealed.at })).not.toContainEqual(revealed);
    expect(await allLogs({ actorId: admin.userId, from: signIn.at, to: signIn.at })).toEqual([]);
    expect(await allLogs({ actorId: admin.userId, from: new Date(Date.parse(revealed.at) + 1).toISOString() })).toEqual([]);
  });

  it('given a malformed id in the filter, then an empty page (ids leak nothing)', async () => {
    const page = await server.gql(AccessLogsDocument, { first: 5, filter: { subjectId: 'nope' } }, { token: officer.token });
    expect(page.errors).toBeUndefined();
    expect(page.data?.accessLogs).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('given pages of one, then walking them yields the same entries in order, each once', async () => {
    const page1 = await server.gql(AccessLogsDocument, { first: 1, filter: { actorId: admin.userId } }, { token: officer.token });
    expect(page1.data?.accessLogs).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    expect(await allLogs({ actorId: admin.userId }, 1)).toEqual(adminEntries);
    expect(await allLogs({ actorId: admin.userId }, 2)).toEqual(adminEntries);
  });

  it.each([
    ['first 0', { first: 0 }, 'first'],
    ['first 101', { first: 101 }, 'first'],
    ['a forged cursor', { first: 5, after: 'not-a-cursor' }, 'after'],
  ])('given %s, then BAD_USER_INPUT names the argument', async (_label, variables, field) => {
    expectError(await server.gql(AccessLogsDocument, variables, { token: officer.token }), 'BAD_USER_INPUT', field);
  });
});

describe('the hash chain', () => {
  it('given the log as written, then verifyAccessLog is valid over every row, ending at the head', async () => {
    const { rows: [{ n }] } = await db.query<{ n: number }>('select count(*)::int as n from access_log');
    const h = await head();
    expect(n).toBe(h.sequence);
    expect(await verify()).toEqual({ valid: true, checkedEntries: n, firstInvalidSequence: null, headHash: h.hash });
  });

  it('given a range, then only that range is checked and headHash is its last entry', async () => {
    const { rows } = await db.query<{ sequence: number; hash: string }>('select sequence, hash from access_log where sequence between 2 and 5 order by sequence');
    expect(await verify(2, 5)).toEqual({ valid: true, checkedEntries: 4, firstInvalidSequence: null, headHash: rows[3].hash });
    const h = await head();
    expect(await verify(h.sequence, h.sequence + 100)).toEqual({ valid: true, checkedEntries: 1, firstInvalidSequence: null, headHash: h.hash });
  });

  it.each([
    ['fromSequence 0', { fromSequence: 0 }, 'fromSequence'],
    ['toSequence before fromSequence', { fromSequence: 5, toSequence: 4 }, 'toSequence'],
  ])('given %s, then BAD_USER_INPUT', async (_label, variables, field) => {
    expectError(await server.gql(VerifyAccessLogDocument, variables, { token: officer.token }), 'BAD_USER_INPUT', field);
  });

  it('given 20 concurrent staff reads of 20 users plus concurrent sign-ins, then sequences stay gap-free and the chain valid', async () => {
    const members: Account[] = [];
    for (let i = 0; i < 20; i += 1) members.push(await signUpMember(server));
    const before = (await head()).sequence;

    // Verifications run among the writes: each sees a consistent chain, never a half-written one.
    const verifications = Promise.all(Array.from({ length: 4 }, () => server.gql(VerifyAccessLogDocument, {}, { token: officer.token })));
    const results = await Promise.all([
      ...members.map((m, i) => server.gql(UserByIdDocument, { id: m.userId }, { token: i % 2 ? admin.token : officer.token })),
      ...members.slice(0, 8).map((m) => server.gql(SignInDocument, { email: m.email, password: PASSWORD })),
      ...members.slice(8, 12).map((m) => server.gql(SignInDocument, { email: m.email, password: 'wrong-password-1' })),
      ...members.slice(12, 16).map((m) => server.gql(RevealPersonalDataDocument, { userId: m.userId, fields: ['NAME', 'PHONE'], reason: '동시성 확인' }, { token: admin.token })),
    ]);
    for (const v of await verifications) expect(v.data?.verifyAccessLog).toMatchObject({ valid: true, firstInvalidSequence: null });
    expect(results.slice(0, 20).every((r) => r.errors === undefined && r.data)).toBe(true);
    expect(results.slice(20, 28).every((r) => r.errors === undefined)).toBe(true);
    expect(results.slice(28, 32).every((r) => r.errors?.[0].extensions.code === 'UNAUTHENTICATED')).toBe(true);
    expect(results.slice(32).every((r) => r.errors === undefined)).toBe(true);

    // 20 READs + 8 SIGN_INs + 4 SIGN_IN_FAILEDs + 4 REVEALs, each once, numbered without gaps.
    const after = await head();
    expect(after.sequence).toBe(before + 36);
    const { rows } = await db.query<{ sequence: number; action: string; subject_id: string }>(
      'select sequence, action, subject_id from access_log where sequence > $1 order by sequence', [before],
    );
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 36 }, (_, i) => before + 1 + i));
    const count = (action: string) => rows.filter((r) => r.action === action).length;
    expect([count('READ'), count('SIGN_IN'), count('SIGN_IN_FAILED'), count('REVEAL')]).toEqual([20, 8, 4, 4]);
    expect(new Set(rows.filter((r) => r.action === 'READ').map((r) => r.subject_id))).toEqual(new Set(members.map((m) => m.userId)));

    // Over the whole table: 1..N, each previous_hash the hash of its predecessor.
    const { rows: [shape] } = await db.query(
      `select count(*)::int as n, min(sequence) as lo, max(sequence) as hi,
              count(*) filter (where previous_hash <> prev)::int as broken
       from (select sequence, previous_hash, lag(hash) over (order by sequence) as prev from access_log) chain`,
    );
    expect(shape).toEqual({ n: after.sequence, lo: 1, hi: after.sequence, broken: 0 });
    expect(await verify()).toEqual({ valid: true, checkedEntries: after.sequence, firstInvalidSequence: null, headHash: after.hash });
  });

  it('given 20 concurrent appends of several entries each through the service, then each batch is contiguous and the chain valid', async () => {
    const log = server.app.services.accessLog;
    const before = (await head()).sequence;
    const batches = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(server.app.orm.em.fork() as never, Array.from({ length: 1 + (i % 3) }, () => ({
      actorId: officer.userId, actorRole: Role.PRIVACY_OFFICER, action: AccessAction.EXPORT, subjectId: null, fields: ['b', 'a'], reason: `batch ${i}`,
    })))));
    const sequences = batches.flatMap((b) => b.map((e) => e.sequence)).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => before + 1 + i));
    for (const batch of batches) {
      expect(batch.map((e) => e.sequence)).toEqual(batch.map((_, i) => batch[0].sequence + i));
      expect(batch.every((e) => e.fields.join() === 'a,b')).toBe(true);
    }
    expect(await verify()).toMatchObject({ valid: true, firstInvalidSequence: null });
  });

  it('given two writers as two processes are, each extending the head it last saw, then a stale head is refused by the database and retried locked: nothing lost, nothing twice', async () => {
    // Each service keeps the head it last wrote and appends in one statement on it; the other moves it meanwhile.
    const [a, b] = [new AccessLogService(), new AccessLogService()];
    const entry = (reason: string) => ({ actorId: officer.userId, actorRole: Role.PRIVACY_OFFICER, action: AccessAction.EXPORT, subjectId: null, reason });
    const before = (await head()).sequence;
    const statements: string[] = [];
    const knex = server.app.orm.em.getConnection().getKnex();
    const listen = (query: { sql: string }) => statements.push(query.sql);
    knex.on('query', listen);
    try {
      const written = [
        ...(await a.append(server.app.orm.em.fork(), [entry('a1')])),
        ...(await b.append(server.app.orm.em.fork(), [entry('b1'), entry('b2')])),
        // a's head is two entries behind: its one statement is refused (23000 or 23505), then the locked path appends.
        ...(await a.append(server.app.orm.em.fork(), [entry('a2')])),
        // a knows the head now: one statement.
        ...(await a.append(server.app.orm.em.fork(), [entry('a3')])),
      ];
      expect(written.map((e) => [e.reason, e.sequence])).toEqual([['a1', before + 1], ['b1', before + 2], ['b2', before + 3], ['a2', before + 4], ['a3', before + 5]]);
      const concurrent = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).append(server.app.orm.em.fork(), [entry(`c${i}`), entry(`c${i}+`)])));
      const sequences = [...written, ...concurrent.flat()].map((e) => e.sequence).sort((x, y) => x - y);
      expect(sequences).toEqual(Array.from({ length: 5 + 32 }, (_, i) => before + 1 + i));
      for (const batch of concurrent) expect(batch[1].sequence).toBe(batch[0].sequence + 1);
    } finally {
      knex.removeListener('query', listen);
    }
    // The refusal happened (the stale one-statement append), and so did the one-statement appends that extend a known head.
    expect(statements.filter((sql) => sql.startsWith('with head as')).length).toBeGreaterThan(0);
    expect(statements.filter((sql) => /for update$/.test(sql.trim()) && sql.includes('"lastAt"')).length).toBeGreaterThan(0);
    const { rows } = await db.query<{ reason: string; n: string }>(
      "select reason, count(*) as n from access_log where sequence > $1 group by reason having count(*) > 1", [before],
    );
    expect(rows).toEqual([]);
    expect(await verify()).toMatchObject({ valid: true, firstInvalidSequence: null });
  });
});

describe('append-only in PostgreSQL', () => {
  it.each([
    ['UPDATE', "update access_log set reason = 'x' where sequence = 1", /access_log is append-only \(UPDATE rejected\)/],
    ['DELETE', 'delete from access_log where sequence = 1', /access_log is append-only \(DELETE rejected\)/],
    ['TRUNCATE', 'truncate access_log', /access_log is append-only \(TRUNCATE rejected\)/],
  ])('given %s on access_log, then the database rejects it', async (_label, sql, message) => {
    const before = await db.query('select * from access_log where sequence = 1');
    await expect(db.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(message) });
    expect((await db.query('select * from access_log where sequence = 1')).rows).toEqual(before.rows);
  });

  it('given the retention switch turned on by hand, then a recent entry still cannot be deleted', async () => {
    await db.query('begin');
    try {
      await db.query("set local aimex.access_log_retention = 'on'");
      await expect(db.query('delete from access_log where sequence = (select max(sequence) from access_log)')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await db.query('rollback');
    }
  });

  it('given purge_access_log(), then nothing under 2 years old goes (0), and a shorter period is refused', async () => {
    const before = await head();
    expect((await db.query('select purge_access_log() as removed')).rows[0].removed).toBe(0);
    expect((await db.query("select purge_access_log('3 years') as removed")).rows[0].removed).toBe(0);
    await expect(db.query("select purge_access_log('1 day')")).rejects.toThrow('access log entries are kept at least 2 years');
    await expect(db.query("select purge_access_log('23 months')")).rejects.toThrow('access log entries are kept at least 2 years');
    expect(await head()).toEqual(before);
  });
});

describe('tampering behind the trigger', () => {
  /** A session with triggers off (superuser only): what someone with raw database access could do. */
  async function behindTheTrigger<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: server.app.config.databaseUrl });
    await client.connect();
    try {
      await client.query('set session_replication_role = replica');
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  it("given one entry's reason changed, then verifyAccessLog names its sequence; restored, the chain is valid again", async () => {
    const member = await signUpMember(server);
    const reveal = await server.gql(RevealPersonalDataDocument, { userId: member.userId, fields: ['NAME'], reason: '원래 사유' }, { token: admin.token });
    const target = reveal.data!.revealPersonalData.accessLogEntry.sequence;
    // Later entries exist, so the break is in the middle of the chain.
    await server.gql(UserByIdDocument, { id: member.userId }, { token: admin.token });
    const h = await head();
    expect(h.sequence).toBeGreaterThan(target);

    try {
      await behindTheTrigger((c) => c.query("update access_log set reason = '다른 사유' where sequence = $1", [target]));
      expect(await verify()).toEqual({ valid: false, checkedEntries: target - 1, firstInvalidSequence: target, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      // A range that ends before the tampered entry is still valid; one that contains it is not.
      expect(await verify(1, target - 1)).toMatchObject({ valid: true, checkedEntries: target - 1 });
      expect(await verify(target, target)).toMatchObject({ valid: false, firstInvalidSequence: target, checkedEntries: 0 });
    } finally {
      await behindTheTrigger((c) => c.query("update access_log set reason = '원래 사유' where sequence = $1", [target]));
    }
    expect(await verify()).toEqual({ valid: true, checkedEntries: h.sequence, firstInvalidSequence: null, headHash: h.hash });
  });

  it("given an entry rewritten with a recomputed hash, then its successor's link breaks and is reported", async () => {
    const member = await signUpMember(server);
    const reveal = await server.gql(RevealPersonalDataDocument, { userId: member.userId, fields: ['PHONE'], reason: 'ticket 1' }, { token: admin.token });
    const target = reveal.data!.revealPersonalData.accessLogEntry.sequence;
    await server.gql(UserByIdDocument, { id: member.userId }, { token: admin.token });
    const { rows: [original] } = await db.query(
      `select sequence, id, at, actor_id as "actorId", actor_role as "actorRole", action, subject_id as "subjectId", fields, operation,
              ip_address as "ipAddress", reason, previous_hash as "previousHash", hash from access_log where sequence = $1`, [target],
    );
    const forged = { ...original, reason: 'routine check' };
    const forgedHash = entryHash(forged);
    expect(forgedHash).not.toBe(original.hash);

    try {
      await behindTheTrigger((c) => c.query('update access_log set reason = $1, hash = $2 where sequence = $3', [forged.reason, forgedHash, target]));
      expect(await verify()).toMatchObject({ valid: false, firstInvalidSequence: target + 1, checkedEntries: target, headHash: forgedHash });
    } finally {
      await behindTheTrigger((c) => c.query('update access_log set reason = $1, hash = $2 where sequence = $3', [original.reason, original.hash, target]));
    }
    expect(await verify()).toMatchObject({ valid: true, firstInvalidSequence: null });
  });

  it('given the newest entry deleted behind the trigger, then the head no longer matches and verify says so; restored, valid', async () => {
    const member = await signUpMember(server);
    await server.gql(UserByIdDocument, { id: member.userId }, { token: admin.token });
    const h = await head();
    const { rows: [last] } = await db.query('select * from access_log where sequence = $1', [h.sequence]);
    try {
      await behindTheTrigger((c) => c.query('delete from access_log where sequence = $1', [h.sequence]));
      expect(await verify()).toMatchObject({ valid: false, firstInvalidSequence: h.sequence, checkedEntries: h.sequence - 1 });
    } finally {
      await behindTheTrigger((c) => c.query(
        `insert into access_log (sequence, id, at, actor_id, actor_role, action, subject_id, fields, operation, ip_address, reason, previous_hash, hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [last.sequence, last.id, last.at, last.actor_id, last.actor_role, last.action, last.subject_id, last.fields, last.operation, last.ip_address, last.reason, last.previous_hash, last.hash],
      ));
    }
    expect(await verify()).toMatchObject({ valid: true, checkedEntries: h.sequence });
  });
});

/** A migrated database of its own, with an ORM and a raw client: for chains that must start empty or backdated. */
function useScratchChain(name: string) {
  const scratch = scratchDatabase(name);
  const db = { url: scratch.url } as { url: string; orm: MikroORM; chain: Client };
  beforeAll(async () => {
    await scratch.prepare();
    db.orm = (await openOrm({ databaseUrl: scratch.url })) as MikroORM;
    db.chain = new Client({ connectionString: scratch.url });
    await db.chain.connect();
  }, 60000);
  afterAll(async () => {
    await db.chain?.end();
    await db.orm?.close(true);
    await scratch.drop();
  });
  return db;
}

describe('retention keeps role changes 3 years', () => {
  const db = useScratchChain('roles');

  const DAY = 24 * 3600 * 1000;
  const at = (daysAgo: number) => new AccessLogService(() => new Date(Date.now() - daysAgo * DAY));

  it('given a role change 2.5 years old, when purged, then the purge stops before it and every later entry is kept', async () => {
    const [ancient] = await at(6 * 365).append(db.orm.em.fork(), [{ actorId: null, actorRole: null, action: AccessAction.SIGN_IN_FAILED, subjectId: null, reason: 'ancient' }]);
    await at(913).append(db.orm.em.fork(), [{ actorId: null, actorRole: null, action: AccessAction.UPDATE, subjectId: null, fields: ['role'], reason: 'role MEMBER -> ADMIN' }]);
    await at(800).append(db.orm.em.fork(), [{ actorId: null, actorRole: null, action: AccessAction.SIGN_IN_FAILED, subjectId: null, reason: 'old but after the role change' }]);
    await at(0).append(db.orm.em.fork(), [{ actorId: null, actorRole: null, action: AccessAction.SIGN_IN_FAILED, subjectId: null, reason: 'new' }]);

    expect((await db.chain.query('select purge_access_log() as removed')).rows[0].removed).toBe(1);
    const { rows } = await db.chain.query<{ reason: string }>('select reason from access_log order by sequence');
    expect(rows.map((r) => r.reason)).toEqual(['role MEMBER -> ADMIN', 'old but after the role change', 'new']);
    expect((await head(db.chain)).checkpointHash).toBe(ancient.hash);
    expect(await new AccessLogService().verify(db.orm.em.fork())).toMatchObject({ valid: true, checkedEntries: 3 });
  });
});

describe('retention: purge_access_log() in a database of its own', () => {
  const db = useScratchChain('chain');

  const entry = (reason: string) => ({ actorId: null, actorRole: null, action: AccessAction.SIGN_IN_FAILED, subjectId: null, fields: [], reason });

  it('given entries past 2 years and newer ones, when purged, then the old prefix goes, the checkpoint holds the last removed entry and the rest verifies', async () => {
    const old = new AccessLogService(() => new Date('2020-01-01T00:00:00Z'));
    const lateOld = new AccessLogService(() => new Date(Date.now() - (2 * 365 + 2) * 24 * 3600 * 1000));
    const recent = new AccessLogService();
    await old.append(db.orm.em.fork(), [entry('old 1'), entry('old 2')]);
    await old.append(db.orm.em.fork(), [entry('old 3')]);
    const [lastOld] = await lateOld.append(db.orm.em.fork(), [entry('old 4')]);
    const kept = await recent.append(db.orm.em.fork(), [entry('new 5'), entry('new 6')]);
    expect(await recent.verify(db.orm.em.fork())).toMatchObject({ valid: true, checkedEntries: 6 });

    // Old as it is, an entry cannot be deleted outside purge_access_log().
    await expect(db.chain.query('delete from access_log where sequence = 1')).rejects.toMatchObject({ code: '42501' });

    expect((await db.chain.query('select purge_access_log() as removed')).rows[0].removed).toBe(4);

    const { rows } = await db.chain.query<{ sequence: number; reason: string }>('select sequence, reason from access_log order by sequence');
    expect(rows).toEqual([{ sequence: 5, reason: 'new 5' }, { sequence: 6, reason: 'new 6' }]);
    expect(await head(db.chain)).toEqual({ sequence: 6, hash: kept[1].hash, checkpointSequence: 4, checkpointHash: lastOld.hash });
    expect(await recent.verify(db.orm.em.fork())).toEqual({ valid: true, checkedEntries: 2, firstInvalidSequence: null, headHash: kept[1].hash });
    // Asking for the purged range starts from the checkpoint instead.
    expect(await recent.verify(db.orm.em.fork(), 1)).toMatchObject({ valid: true, checkedEntries: 2 });

    // Nothing more is old enough: a second purge removes nothing and moves nothing.
    expect((await db.chain.query('select purge_access_log() as removed')).rows[0].removed).toBe(0);
    expect((await head(db.chain)).checkpointSequence).toBe(4);

    // The chain continues from the head after a purge.
    const [next] = await recent.append(db.orm.em.fork(), [entry('new 7')]);
    expect(next).toMatchObject({ sequence: 7, previousHash: kept[1].hash });
    expect(await recent.verify(db.orm.em.fork())).toMatchObject({ valid: true, checkedEntries: 3 });
  });

  it('given inserts that do not extend the head, then the database refuses them; rows slipped in behind the triggers are still caught by verify', async () => {
    const service = new AccessLogService();
    const h = await head(db.chain);
    const insert = (client: { query: Client['query'] }, sequence: number, previousHash = h.hash) => client.query(
      `insert into access_log (sequence, id, at, action, fields, previous_hash, hash)
       values ($1, gen_random_uuid(), now(), 'READ', '{}', $2, $3)`, [sequence, previousHash, 'f'.repeat(64)],
    );
    const behindTriggers = async (fn: (c: Client) => Promise<unknown>) => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query('set session_replication_role = replica');
        await fn(c);
      } finally {
        await c.end();
      }
    };
    expect(await service.verify(db.orm.em.fork())).toMatchObject({ valid: true });

    // The chain's shape is enforced by PostgreSQL: a gap, a re-used purged sequence or a wrong predecessor is refused.
    await expect(insert(db.chain, h.sequence + 5)).rejects.toMatchObject({ code: '23000' });
    await expect(insert(db.chain, 2)).rejects.toMatchObject({ code: '23000' });
    await expect(insert(db.chain, h.sequence + 1, 'a'.repeat(64))).rejects.toMatchObject({ code: '23000' });
    // The head cannot be moved by hand either.
    await expect(db.chain.query('update access_log_head set sequence = sequence + 1 where id = 1')).rejects.toMatchObject({ code: '42501' });
    expect(await head(db.chain)).toEqual(h);

    // A well-shaped entry with a forged hash is accepted (the head moves) but fails verification at its own sequence.
    await insert(db.chain, h.sequence + 1);
    try {
      expect(await service.verify(db.orm.em.fork())).toMatchObject({ valid: false, firstInvalidSequence: h.sequence + 1, checkedEntries: h.sequence - h.checkpointSequence });
    } finally {
      await behindTriggers(async (c) => {
        await c.query('delete from access_log where sequence = $1', [h.sequence + 1]);
        await c.query('update access_log_head set sequence = $1, hash = $2 where id = 1', [h.sequence, h.hash]);
      });
    }

    // Rows slipped in with triggers off: beyond the head, or back below the checkpoint.
    for (const sequence of [h.sequence + 1, 2]) {
      await behindTriggers((c) => insert(c, sequence));
      try {
        const expected = sequence === 2 ? { valid: false, firstInvalidSequence: 2, checkedEntries: 0 } : { valid: false, firstInvalidSequence: sequence };
        expect(await service.verify(db.orm.em.fork())).toMatchObject(expected);
      } finally {
        await behindTriggers((c) => c.query('delete from access_log where sequence = $1', [sequence]));
      }
    }
    expect(await service.verify(db.orm.em.fork())).toMatchObject({ valid: true, checkedEntries: h.sequence - h.checkpointSequence, headHash: h.hash });
  });

  it('given the first kept entry altered after a purge, then verification from the checkpoint catches it', async () => {
    const { checkpointSequence } = await head(db.chain);
    const first = checkpointSequence + 1;
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('set session_replication_role = replica');
      await admin.query("update access_log set reason = 'forged' where sequence = $1", [first]);
      expect(await new AccessLogService().verify(db.orm.em.fork())).toMatchObject({ valid: false, firstInvalidSequence: first, checkedEntries: 0 });
    } finally {
      await admin.end();
    }
  });
});

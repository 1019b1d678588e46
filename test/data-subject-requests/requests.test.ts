import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { DataCategory } from '../../src/modules/policies/policy.entity';
import { sweepStorage } from '../../src/modules/retention/sweep';
import { PERSONAL_DATA_REGISTRY } from '../../src/privacy/registry';
import {
  CompleteDataSubjectRequestDocument, DataSubjectRequestByIdDocument, DataSubjectRequestQueueDocument, LiftProcessingSuspensionDocument, MyDataSubjectRequestsDocument,
  MyHealthDocument, PlaceLegalHoldDocument, PostponeDataSubjectRequestDocument, RecommendationsDocument, RejectDataSubjectRequestDocument, ReleaseLegalHoldDocument,
  SeparatedRecordsDocument, SignInDocument, StartDataSubjectRequestDocument, SubmitDataSubjectRequestDocument, WithdrawDocument,
} from '../__generated__/typed-documents';
import { type Account, createStaff, PASSWORD, signUpEnterprise, signUpMember } from '../factories/accounts';
import { eventually, trainedModel } from '../factories/models';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { type RichSubject, richSubject, staffOf } from './support';

let server: TestServer;
let worker: RunningWorker;
let shop: Account;
let modelId: string;
let staff: { admin: Account; officer: Account };
beforeAll(async () => {
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  shop = await signUpEnterprise(server);
  staff = await staffOf(server, createStaff);
  modelId = await trainedModel(server, shop, [
    ['잠이 안 와요', '자기 전에는 조명을 낮춰 보세요.'],
    ['운동은 얼마나 해야 하나요?', '하루 30분 걷기부터 시작해요.'],
    ['물은 얼마나?', '하루 여덟 잔을 권해요.'],
  ]);
}, 60000);
afterAll(async () => {
  await worker.close();
  await server.close();
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const submit = (account: Account, input: Record<string, unknown>) =>
  server.gql(SubmitDataSubjectRequestDocument, { input: { password: PASSWORD, ...input } as never }, { token: account.token });
const read = (account: Account, id: string) => server.gql(DataSubjectRequestByIdDocument, { id }, { token: account.token });
const completed = (account: Account, id: string, status = 'COMPLETED') =>
  eventually(async () => {
    const r = (await read(account, id)).data?.dataSubjectRequest;
    return r?.status === status && r;
  }, `request ${status}`);
/** The export link as this test server serves it (the configured public URL is the default port). */
const local = (url: string) => `${server.url}${new URL(url).pathname}${new URL(url).search}`;

describe('submitting', () => {
  it('given a wrong password, then BAD_USER_INPUT on password, counted like a failed sign-in until the account locks', async () => {
    const member = await signUpMember(server);
    const wrong = await submit(member, { type: 'ACCESS', password: 'not-my-password-1' });
    expectError(wrong, 'BAD_USER_INPUT', 'password');
    expect(await sql('select count(*)::int as n from data_subject_requests where subject_id = ?', [member.userId])).toEqual([{ n: 0 }]);
    for (let i = 0; i < 3; i += 1) await submit(member, { type: 'ACCESS', password: 'not-my-password-1' });
    expectError(await submit(member, { type: 'ACCESS', password: 'not-my-password-1' }), 'RATE_LIMITED');
    // Locked: even the right password is refused now, and sign-in too.
    expectError(await submit(member, { type: 'ACCESS' }), 'RATE_LIMITED');
    expectError(await server.gql(SignInDocument, { email: member.email, password: PASSWORD }), 'RATE_LIMITED');
  });

  it('given anonymous or a partner key, then UNAUTHENTICATED / FORBIDDEN; categories on a non-erasure, BAD_USER_INPUT', async () => {
    expectError(await server.gql(SubmitDataSubjectRequestDocument, { input: { type: 'ACCESS', password: PASSWORD } }), 'UNAUTHENTICATED');
    const member = await signUpMember(server);
    expectError(await submit(member, { type: 'ACCESS', categories: ['HEALTH_DATA'] }), 'BAD_USER_INPUT', 'categories');
    expectError(await submit(member, { type: 'RECTIFICATION' }), 'BAD_USER_INPUT', 'corrections');
  });
});

describe('who sees a request', () => {
  it('given the subject, the officer, another member and an ADMIN, then only the first two read it; the queue is the officer\'s', async () => {
    const member = await signUpMember(server);
    const other = await signUpMember(server);
    const request = (await submit(member, { type: 'RECTIFICATION', details: '이름 철자가 틀렸어요', corrections: { name: '홍길순' } })).data!.submitDataSubjectRequest;
    expect(request).toMatchObject({ type: 'RECTIFICATION', status: 'SUBMITTED', overdue: false });
    expect(new Date(request.dueAt).getTime() - new Date(request.submittedAt).getTime()).toBe(10 * 24 * 3600 * 1000);
    expect((await read(member, request.id)).data!.dataSubjectRequest).toMatchObject({ details: '이름 철자가 틀렸어요', requestedCorrections: { name: '홍길순' } });
    expect((await read(staff.officer, request.id)).data!.dataSubjectRequest).toMatchObject({ subject: { id: member.userId } });
    expectError(await read(other, request.id), 'NOT_FOUND');
    expectError(await read(staff.admin, request.id), 'NOT_FOUND');
    expectError(await server.gql(DataSubjectRequestQueueDocument, {}, { token: staff.admin.token }), 'FORBIDDEN');
    expectError(await server.gql(StartDataSubjectRequestDocument, { id: request.id }, { token: member.token }), 'FORBIDDEN');
    const mine = await server.gql(MyDataSubjectRequestsDocument, {}, { token: member.token });
    expect(mine.data!.me!.dataSubjectRequests.map((r) => r.id)).toEqual([request.id]);
  });
});

describe('the officer\'s handling', () => {
  it('given a RECTIFICATION, then start, complete applies it, every step is an event and access-logged', async () => {
    const member = await signUpMember(server, { name: '홍길동' });
    const request = (await submit(member, { type: 'RECTIFICATION', corrections: { name: '홍길순', phone: '010 2222 3333' } })).data!.submitDataSubjectRequest;
    const started = await server.gql(StartDataSubjectRequestDocument, { id: request.id }, { token: staff.officer.token });
    expect(started.data!.startDataSubjectRequest).toMatchObject({ status: 'IN_PROGRESS', handledBy: { id: staff.officer.userId } });
    const done = await server.gql(CompleteDataSubjectRequestDocument, { id: request.id }, { token: staff.officer.token });
    expect(done.data!.completeDataSubjectRequest.status).toBe('COMPLETED');
    expect(done.data!.completeDataSubjectRequest.events.map((e) => e.status)).toEqual(['SUBMITTED', 'IN_PROGRESS', 'COMPLETED']);
    const token = (await server.gql(SignInDocument, { email: member.email, password: PASSWORD })).data!.signIn.accessToken;
    const me = await server.raw({ query: '{ me { name phone } }' }, { token });
    expect(me.body.data.me).toEqual({ name: '홍길순', phone: '010-2222-3333' });
    const logged = await sql("select action, fields, reason from access_log where subject_id = ? and actor_id = ? order by sequence", [member.userId, staff.officer.userId]);
    expect(logged.map((l) => l.reason)).toEqual(['RECTIFICATION started', 'rectification request', 'RECTIFICATION completed']);
    expectError(await server.gql(CompleteDataSubjectRequestDocument, { id: request.id }, { token: staff.officer.token }), 'CONFLICT');
  });

  it('given reject without a reason or a postponement not later, then BAD_USER_INPUT; with them, REJECTED and a moved dueAt; overdue is filtered', async () => {
    const member = await signUpMember(server);
    const a = (await submit(member, { type: 'RECTIFICATION', details: '주소 변경' })).data!.submitDataSubjectRequest;
    expectError(await server.gql(RejectDataSubjectRequestDocument, { id: a.id, reason: '  ' }, { token: staff.officer.token }), 'BAD_USER_INPUT', 'reason');
    expectError(await server.gql(PostponeDataSubjectRequestDocument, { id: a.id, reason: '확인 중', until: a.dueAt }, { token: staff.officer.token }), 'BAD_USER_INPUT', 'until');
    const far = new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString();
    expectError(await server.gql(PostponeDataSubjectRequestDocument, { id: a.id, reason: '확인 중', until: far }, { token: staff.officer.token }), 'BAD_USER_INPUT', 'until');
    const later = new Date(new Date(a.dueAt).getTime() + 5 * 24 * 3600 * 1000).toISOString();
    const postponed = await server.gql(PostponeDataSubjectRequestDocument, { id: a.id, reason: '본인 확인 서류 대기', until: later }, { token: staff.officer.token });
    expect(postponed.data!.postponeDataSubjectRequest.dueAt).toBe(later);
    expect(postponed.data!.postponeDataSubjectRequest.events.at(-1)!.note).toContain('본인 확인 서류 대기');
    const rejected = await server.gql(RejectDataSubjectRequestDocument, { id: a.id, reason: '요청 내용을 확인할 수 없습니다' }, { token: staff.officer.token });
    expect(rejected.data!.rejectDataSubjectRequest).toMatchObject({ status: 'REJECTED', rejectionReason: '요청 내용을 확인할 수 없습니다' });

    const b = (await submit(member, { type: 'RECTIFICATION', details: '전화번호' })).data!.submitDataSubjectRequest;
    await sql("update data_subject_requests set due_at = now() - interval '1 day' where id = ?", [b.id]);
    const overdue = await server.gql(DataSubjectRequestQueueDocument, { first: 100, filter: { overdue: true } }, { token: staff.officer.token });
    const ids = overdue.data!.dataSubjectRequests.edges.map((e) => e.node.id);
    expect(ids).toContain(b.id);
    expect(ids).not.toContain(a.id);
    expect(overdue.data!.dataSubjectRequests.edges.every((e) => e.node.overdue)).toBe(true);
  });

  it('given a job out of retries, then the request stays open, flagged as failed for the officer, with a safe reason', async () => {
    const member = await signUpMember(server);
    const request = (await submit(member, { type: 'RECTIFICATION', details: 'x' })).data!.submitDataSubjectRequest;
    await server.app.services.dataSubjectRequests.markFailed(server.app.orm, request.id, new Error('connect ECONNREFUSED 10.0.0.1:5432 for 홍길동'));
    const failed = await server.gql(DataSubjectRequestQueueDocument, { first: 100, filter: { failed: true } }, { token: staff.officer.token });
    expect(failed.data!.dataSubjectRequests.edges.map((e) => e.node.id)).toContain(request.id);
    const [row] = await sql('select failure, status from data_subject_requests where id = ?', [request.id]);
    expect(row.status).toBe('SUBMITTED');
    expect(row.failure).not.toMatch(/10\.0\.0\.1|홍길동/);
  });
});

describe('PROCESSING_SUSPENSION', () => {
  it('given a suspension, then in force before the response: recommendations are not personalised, missions pause, lift resumes them', async () => {
    const who = await richSubject(server, shop, modelId, staff);
    const request = (await submit(who, { type: 'PROCESSING_SUSPENSION' })).data!.submitDataSubjectRequest;
    expect(request.status).toBe('COMPLETED');
    const me = await server.gql(MyDataSubjectRequestsDocument, {}, { token: who.token });
    expect(me.data!.me!.processingSuspended).toBe(true);
    const recs = await server.gql(RecommendationsDocument, { kind: 'PRODUCT', limit: 5 }, { token: who.token });
    expect(recs.data!.recommendations.personalized).toBe(false);
    const health = await server.gql(MyHealthDocument, {}, { token: who.token });
    expect(health.data!.me!.missions.map((m) => m.status)).toEqual(['PAUSED']);

    expectError(await server.gql(LiftProcessingSuspensionDocument, { userId: who.userId }, { token: staff.admin.token }), 'FORBIDDEN');
    const lifted = await server.gql(LiftProcessingSuspensionDocument, { userId: who.userId }, { token: staff.officer.token });
    expect(lifted.data!.liftProcessingSuspension.processingSuspended).toBe(false);
    expect((await server.gql(MyHealthDocument, {}, { token: who.token })).data!.me!.missions.map((m) => m.status)).toEqual(['ACTIVE']);
    expect((await server.gql(RecommendationsDocument, { kind: 'PRODUCT', limit: 5 }, { token: who.token })).data!.recommendations.personalized).toBe(true);
    const events = (await read(who, request.id)).data!.dataSubjectRequest!.events.map((e) => e.note);
    expect(events).toContain('suspension lifted by a privacy officer');
    // A second request by the subject lifts it too.
    await submit(who, { type: 'PROCESSING_SUSPENSION' });
    const again = (await submit(who, { type: 'PROCESSING_SUSPENSION' })).data!.submitDataSubjectRequest;
    expect(again.events.at(-1)!.note).toBe('suspension lifted at the subject\'s request');
    expect((await server.gql(MyDataSubjectRequestsDocument, {}, { token: who.token })).data!.me!.processingSuspended).toBe(false);
  });
});

describe('PROCESSING_STATUS_NOTICE and ACCESS', () => {
  let subject: RichSubject;
  beforeAll(async () => { subject = await richSubject(server, shop, modelId, staff); }, 60000);

  it('given a notice, then every category with its purposes, items, retention, processors and the subject\'s record count', async () => {
    const request = (await submit(subject, { type: 'PROCESSING_STATUS_NOTICE' })).data!.submitDataSubjectRequest;
    const done = await completed(subject, request.id);
    const byCategory = new Map(done.processingStatus!.map((a) => [a.category, a]));
    expect([...byCategory.keys()].sort()).toEqual(Object.values(DataCategory).sort());
    const health = byCategory.get('HEALTH_DATA')!;
    expect(health.recordCount).toBeGreaterThanOrEqual(3);
    expect(health.items).toEqual(expect.arrayContaining(['height', 'check-in note']));
    expect(health.purposes[0]).toContain('헬스케어');
    expect(health.processors.join(' ')).toContain('Amazon Web Services');
    expect(byCategory.get('PAYMENT_RECORD')!.recordCount).toBe(1);
    expect(byCategory.get('PAYMENT_RECORD')!.retention).toContain('P5Y');
    expect(byCategory.get('CONVERSATION_LOG')!.recordCount).toBeGreaterThanOrEqual(3);
  });

  it('given ACCESS, then a JSON and an HTML export with every registered personal property, downloaded through a signed, logged link', async () => {
    const request = (await submit(subject, { type: 'ACCESS' })).data!.submitDataSubjectRequest;
    const done = await completed(subject, request.id);
    expect(new Date(done.exportExpiresAt!).getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    const response = await fetch(local(done.exportUrl!));
    expect(response.status).toBe(200);
    const exported = await response.json() as { subjectId: string; entities: { entity: string; properties: { name: string }[]; records: Record<string, unknown>[] }[] };
    expect(exported.subjectId).toBe(subject.userId);
    const text = JSON.stringify(exported);
    for (const value of Object.values(subject.values)) expect(text).toContain(value);

    // Every registered personal property of every entity with a subject is in the export's shape.
    const shape = new Map(exported.entities.map((e) => [e.entity, new Set(e.properties.map((p) => p.name))]));
    const missing: string[] = [];
    for (const [entity, registration] of Object.entries(PERSONAL_DATA_REGISTRY)) {
      if (registration.subject === null) continue;
      for (const [property, entry] of Object.entries(registration.personal)) if (!shape.get(entity)?.has(entry.field ?? property)) missing.push(`${entity}.${property}`);
    }
    expect(missing).toEqual([]);
    // And the entities this subject has rows in carry them, with every property as a key.
    for (const entity of ['User', 'ConsentEvent', 'AccessLogEntry', 'WebVisit', 'UsageEvent', 'ChatMessage', 'Conversation', 'HealthProfile', 'Mission', 'MissionCheckIn', 'Purchase', 'RecommendationFeedback', 'LegalHold', 'DataSubjectRequest', 'Session', 'GeneratedContent']) {
      const found = exported.entities.find((e) => e.entity === entity)!;
      expect([entity, found.records.length > 0]).toEqual([entity, true]);
      for (const property of found.properties) expect(Object.keys(found.records[0])).toContain(property.name);
    }
    // Who looked at their data: the ADMIN's read is there.
    const reads = exported.entities.find((e) => e.entity === 'AccessLogEntry')!.records;
    expect(reads.some((r) => r.actorId === staff.admin.userId && r.action === 'READ')).toBe(true);

    const html = await (await fetch(local(done.exportHtmlUrl!))).text();
    expect(html).toContain('개인정보 열람 결과');
    expect(html).toContain(subject.values.name);
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/);

    // The link is the credential: tampered or expired, nothing.
    const tampered = new URL(local(done.exportUrl!));
    tampered.searchParams.set('signature', 'x'.repeat(43));
    expect((await fetch(tampered)).status).toBe(404);
    const expired = new URL(local(done.exportUrl!));
    expired.searchParams.set('expires', '1000');
    expect((await fetch(expired)).status).toBe(404);
    const logged = await sql("select operation from access_log where subject_id = ? and action = 'EXPORT' order by sequence", [subject.userId]);
    expect(logged.map((l) => l.operation)).toEqual(['access export', 'download export.json', 'download export.html']);

    // Encrypted at rest: the bucket holds no readable trace of the subject.
    expect(grepDirectory(s3Directory(), [subject.values.email, subject.values.name, subject.values.chat])).toEqual([]);
  });
});

describe('exports do not outlive their week', () => {
  it('given an export made 8 days ago, then the sweep deletes its objects and the request stops naming them; a fresh one stays', async () => {
    const old = await signUpMember(server);
    const fresh = await signUpMember(server);
    const ids: string[] = [];
    for (const who of [old, fresh]) ids.push((await submit(who, { type: 'ACCESS' })).data!.submitDataSubjectRequest.id);
    await completed(old, ids[0]);
    await completed(fresh, ids[1]);
    await sql("update data_subject_requests set export_created_at = now() - interval '8 days' where id = ?", [ids[0]]);
    await sweepStorage(server.app.orm, server.app.services.storage, { dryRun: false });
    const objects = async (subject: string) => {
      const keys: string[] = [];
      for await (const o of server.app.services.storage.list(`exports/${subject}/`)) keys.push(o.key);
      return keys;
    };
    expect(await objects(old.userId)).toEqual([]);
    expect((await objects(fresh.userId)).sort()).toEqual([`exports/${fresh.userId}/${ids[1]}/export.html`, `exports/${fresh.userId}/${ids[1]}/export.json`]);
    expect((await read(old, ids[0])).data!.dataSubjectRequest!.exportUrl).toBeNull();
    expect((await read(fresh, ids[1])).data!.dataSubjectRequest!.exportUrl).not.toBeNull();
  });
});

describe('ERASURE', () => {
  it('given chosen categories, then those go, the account stays, and the report counts them', async () => {
    const subject = await richSubject(server, shop, modelId, staff);
    const request = (await submit(subject, { type: 'ERASURE', categories: ['HEALTH_DATA', 'CONVERSATION_LOG'] })).data!.submitDataSubjectRequest;
    const done = await completed(subject, request.id);
    expect(done.erasure!.erasedCategories.sort()).toEqual(['CONVERSATION_LOG', 'HEALTH_DATA']);
    const counts = new Map(done.erasure!.counts.map((c) => [c.category, c.count]));
    expect(counts.get('HEALTH_DATA')).toBeGreaterThanOrEqual(3);
    expect(counts.get('CONVERSATION_LOG')).toBeGreaterThanOrEqual(3);
    expect(await sql('select count(*)::int as n from chat_messages where user_id = ?', [subject.userId])).toEqual([{ n: 0 }]);
    expect(await sql('select count(*)::int as n from mission_check_ins where user_id = ?', [subject.userId])).toEqual([{ n: 0 }]);
    expect(await sql('select count(*)::int as n from purchases where user_id = ?', [subject.userId])).toEqual([{ n: 1 }]);
    expect((await server.gql(MyDataSubjectRequestsDocument, {}, { token: subject.token })).data!.me!.id).toBe(subject.userId);
  });

  it('given a subject under a legal hold, then the erasure waits IN_PROGRESS for an officer, who completes it once the hold is released', async () => {
    const subject = await richSubject(server, shop, modelId, staff);
    const hold = (await server.gql(PlaceLegalHoldDocument, { subjectId: subject.userId, reason: '소송 진행' }, { token: staff.officer.token })).data!.placeLegalHold;
    const request = (await submit(subject, { type: 'ERASURE', categories: ['HEALTH_DATA'] })).data!.submitDataSubjectRequest;
    const waiting = await eventually(async () => {
      const r = (await read(subject, request.id)).data?.dataSubjectRequest;
      return r?.events.some((e) => e.note?.includes('legal hold')) && r;
    }, 'waiting');
    expect(waiting.status).toBe('IN_PROGRESS');
    expectError(await server.gql(CompleteDataSubjectRequestDocument, { id: request.id }, { token: staff.officer.token }), 'CONFLICT');
    await server.gql(ReleaseLegalHoldDocument, { id: hold.id }, { token: staff.officer.token });
    const done = await server.gql(CompleteDataSubjectRequestDocument, { id: request.id, note: '보존 해제 후 파기' }, { token: staff.officer.token });
    expect(done.data!.completeDataSubjectRequest).toMatchObject({ status: 'COMPLETED', erasure: { erasedCategories: ['HEALTH_DATA'] } });
    expect(await sql('select count(*)::int as n from health_profiles where user_id = ?', [subject.userId])).toEqual([{ n: 0 }]);
  });
});

describe('withdraw: the account closes at once and leaves no trace', () => {
  it('given a withdrawal, then a receipt, sessions end, records a law keeps are apart, and no dump, index or object holds a value the member gave', async () => {
    const subject = await richSubject(server, shop, modelId, staff);
    expectError(await server.gql(WithdrawDocument, { password: 'wrong-password-9' }, { token: subject.token }), 'BAD_USER_INPUT', 'password');
    const receipt = await server.gql(WithdrawDocument, { password: PASSWORD }, { token: subject.token });
    expect(receipt.errors).toBeUndefined();
    const { erasure } = receipt.data!.withdraw;
    expect(receipt.data!.withdraw.userId).toBe(subject.userId);
    expect(erasure.erasedCategories).toEqual(expect.arrayContaining(['MEMBER_PROFILE', 'HEALTH_DATA', 'CONVERSATION_LOG', 'SERVICE_USAGE_RECORD', 'PAYMENT_RECORD', 'CONTRACT_RECORD']));
    const kept = new Map(erasure.retained.map((r) => [r.category, r]));
    const years = (iso: string) => (new Date(iso).getTime() - Date.now()) / (365.25 * 24 * 3600 * 1000);
    expect(kept.get('PAYMENT_RECORD')).toMatchObject({ count: 1 });
    expect(years(kept.get('PAYMENT_RECORD')!.retainUntil)).toBeCloseTo(5, 0);
    expect(kept.get('CONTRACT_RECORD')!.count).toBeGreaterThanOrEqual(1);
    expect(kept.get('COMPLAINT_RECORD')!.count).toBeGreaterThanOrEqual(1);
    expect(kept.get('ACCESS_LOG')!.count).toBeGreaterThanOrEqual(1);

    // The old access token reads nothing; the email signs up again.
    expectError(await server.gql(MyDataSubjectRequestsDocument, {}, { token: subject.token }), 'UNAUTHENTICATED');
    expectError(await server.gql(SignInDocument, { email: subject.values.email, password: PASSWORD }), 'UNAUTHENTICATED');

    // The separate store: the officer's alone, with the legal basis and retainUntil.
    const separated = await server.gql(SeparatedRecordsDocument, { subjectId: subject.userId, first: 100 }, { token: staff.officer.token });
    const sources = separated.data!.separatedRecords.edges.map((e) => e.node.source).sort();
    expect(sources).toEqual(['ConsentEvent', 'Purchase']);
    expect(separated.data!.separatedRecords.edges.find((e) => e.node.source === 'Purchase')!.node.data).toMatchObject({ quantity: 2, amount_krw: 60000 });
    expectError(await server.gql(SeparatedRecordsDocument, { subjectId: subject.userId }, { token: staff.admin.token }), 'FORBIDDEN');

    // No trace: the whole database dumped and grepped, plaintext and blind index, and the bucket.
    const url = new URL(server.app.config.databaseUrl);
    const dump = execFileSync('pg_dump', ['--data-only', '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', url.pathname.slice(1)], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
    expect(dump.length).toBeGreaterThan(10000);
    const found = Object.entries(subject.values).filter(([, value]) => dump.includes(value)).map(([name]) => name);
    expect(found).toEqual([]);
    const index = server.app.services.emailIndex.candidates(subject.values.email);
    expect(index.filter((hmac) => dump.includes(hmac))).toEqual([]);
    expect(grepDirectory(s3Directory(), Object.values(subject.values))).toEqual([]);
    const [key] = await sql('select wrapped_key, destroyed_at from subject_keys where subject_id = ?', [subject.userId]);
    expect(key.wrapped_key).toBeNull();
    expect(key.destroyed_at).not.toBeNull();

    const again = await signUpMember(server, { email: subject.values.email });
    expect(again.userId).not.toBe(subject.userId);
  });
});

function s3Directory(): string {
  const port = new URL(process.env.S3_ENDPOINT!).port;
  const candidates = readdirSync('/tmp').filter((d) => d.startsWith('aimex-test-s3-')).map((d) => join('/tmp', d));
  // The suite's own server is the newest directory (global setup made it for this run).
  void port;
  return candidates.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

function grepDirectory(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const content = readFileSync(path);
        for (const needle of needles) if (content.includes(Buffer.from(needle, 'utf8'))) hits.push(`${path}: ${needle}`);
      }
    }
  };
  walk(dir);
  return hits;
}

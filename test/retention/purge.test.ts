import { Queue } from 'bullmq';
import { QUEUES, redisConnection } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import {
  LegalHoldsDocument, PlaceLegalHoldDocument, PurgeRunsDocument, ReleaseLegalHoldDocument, RunPurgeDocument, UpdateConsentsDocument,
  UpdateHealthProfileDocument,
} from '../__generated__/typed-documents';
import { type Account, createStaff, signUpMember } from '../factories/accounts';
import { eventually } from '../factories/models';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let worker: RunningWorker;
let officer: Account;
beforeAll(async () => {
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  officer = await createStaff(server, Role.PRIVACY_OFFICER);
  // The daily purge's scheduler runs a purge when it is upserted (BullMQ's every-schedulers start at once): it is
  // waited out, or a late one deletes the expired rows below before the dry run can count them.
  const queue = new Queue(QUEUES.purge, { connection: redisConnection(server.app.config.redisUrl) });
  try {
    await eventually(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
      const dueSoon = (await queue.getJobs(['delayed'])).some((job) => job.timestamp + (job.opts.delay ?? 0) < Date.now() + 60_000);
      return counts.waiting + counts.active + counts.prioritized === 0 && !dueSoon ? true : null;
    }, 'the scheduled purge');
  } finally {
    await queue.close();
  }
});
afterAll(async () => {
  await worker.close();
  await server.close();
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
const months = (n: number) => new Date(Date.now() - n * 30 * 24 * 3600 * 1000);

async function finished(id: string) {
  return eventually(async () => {
    const runs = await server.gql(PurgeRunsDocument, { first: 100 }, { token: officer.token });
    const run = runs.data!.purgeRuns.edges.map((e) => e.node).find((r) => r.id === id);
    return run && run.status !== 'RUNNING' ? run : null;
  }, 'purge');
}
const countOf = (run: { counts: { category: string; count: number }[] }, category: string) => run.counts.find((c) => c.category === category)?.count;

describe('retention purge', () => {
  it('given expired records, a held subject and withdrawn health consent, then a dry run counts, a run deletes (holds kept), and a second run finds nothing', async () => {
    const plain = await signUpMember(server);
    const held = await signUpMember(server);
    const health = await signUpMember(server);
    for (const user of [plain, held]) {
      await sql("insert into web_visits (id, at, ip_address, operation, user_id) values (gen_random_uuid(), ?, '127.0.0.1', 'Old', ?)", [months(4), user.userId]);
      await sql("insert into usage_events (id, user_id, type, at) values (gen_random_uuid(), ?, 'SIGN_IN', ?)", [user.userId, months(40)]);
    }
    await sql("insert into web_visits (id, at, ip_address, operation, user_id) values (gen_random_uuid(), ?, '127.0.0.1', 'Recent', ?)", [months(1), plain.userId]);
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }] }, { token: health.token });
    await server.gql(UpdateHealthProfileDocument, { input: { weightKg: 70 } }, { token: health.token });
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: false }] }, { token: health.token });
    const hold = await server.gql(PlaceLegalHoldDocument, { subjectId: held.userId, reason: '분쟁 조정 진행 중' }, { token: officer.token });
    expect(hold.data!.placeLegalHold).toMatchObject({ subjectId: held.userId, releasedAt: null });

    const dry = await server.gql(RunPurgeDocument, { dryRun: true }, { token: officer.token });
    expect(dry.data!.runPurge).toMatchObject({ dryRun: true, status: 'RUNNING' });
    const dryRun = await finished(dry.data!.runPurge.id);
    expect(dryRun.status).toBe('SUCCEEDED');
    expect(countOf(dryRun, 'WEB_VISIT_LOG')).toBeGreaterThanOrEqual(1);
    expect(countOf(dryRun, 'HEALTH_DATA')).toBeGreaterThanOrEqual(1);
    expect(await sql("select 1 from web_visits where user_id = ? and operation = 'Old'", [plain.userId])).toHaveLength(1);

    const real = await finished((await server.gql(RunPurgeDocument, {}, { token: officer.token })).data!.runPurge.id);
    expect(real.dryRun).toBe(false);
    // One count per category of the retention schedule (registry x policies).
    expect(real.counts.filter((c) => !c.prefix).map((c) => c.category).sort()).toEqual([
      'ACCESS_LOG', 'COMPLAINT_RECORD', 'CONTRACT_RECORD', 'CONVERSATION_LOG', 'HEALTH_DATA', 'MARKETING_CONSENT', 'MEMBER_PROFILE', 'PAYMENT_RECORD',
      'SERVICE_USAGE_RECORD', 'TRAINING_DATA', 'WEB_VISIT_LOG']);
    expect(countOf(real, 'WEB_VISIT_LOG')).toBe(countOf(dryRun, 'WEB_VISIT_LOG'));
    // Expired: gone. Held or still within the period: kept.
    expect(await sql("select 1 from web_visits where user_id = ? and operation = 'Old'", [plain.userId])).toHaveLength(0);
    expect(await sql("select 1 from web_visits where user_id = ? and operation = 'Recent'", [plain.userId])).toHaveLength(1);
    expect(await sql("select 1 from web_visits where user_id = ? and operation = 'Old'", [held.userId])).toHaveLength(1);
    expect(await sql('select 1 from usage_events where user_id = ? and at < ?', [plain.userId, months(36)])).toHaveLength(0);
    expect(await sql('select 1 from usage_events where user_id = ? and at < ?', [held.userId, months(36)])).toHaveLength(1);
    expect(await sql('select 1 from health_profiles where user_id = ?', [health.userId])).toHaveLength(0);

    const again = await finished((await server.gql(RunPurgeDocument, {}, { token: officer.token })).data!.runPurge.id);
    expect(countOf(again, 'WEB_VISIT_LOG')).toBe(0);
    expect(countOf(again, 'HEALTH_DATA')).toBe(0);

    // Released, the held data goes with the next run.
    await server.gql(ReleaseLegalHoldDocument, { id: hold.data!.placeLegalHold.id }, { token: officer.token });
    await finished((await server.gql(RunPurgeDocument, {}, { token: officer.token })).data!.runPurge.id);
    expect(await sql("select 1 from web_visits where user_id = ? and operation = 'Old'", [held.userId])).toHaveLength(0);
  });

  it('given other callers or bad input, then the right codes', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    const member = await signUpMember(server);
    expectError(await server.gql(RunPurgeDocument, {}, { token: admin.token }), 'FORBIDDEN');
    expectError(await server.gql(RunPurgeDocument, {}, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(RunPurgeDocument, {}), 'UNAUTHENTICATED');
    expect((await server.gql(PurgeRunsDocument, {}, { token: admin.token })).errors).toBeUndefined();
    expectError(await server.gql(PurgeRunsDocument, {}, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(PlaceLegalHoldDocument, { subjectId: member.userId, reason: ' ' }, { token: officer.token }), 'BAD_USER_INPUT', 'reason');
    expectError(await server.gql(PlaceLegalHoldDocument, { subjectId: member.userId, reason: 'x', until: new Date(Date.now() - 1000).toISOString() }, { token: officer.token }), 'BAD_USER_INPUT', 'until');
    expectError(await server.gql(PlaceLegalHoldDocument, { subjectId: '00000000-0000-4000-8000-000000000000', reason: 'x' }, { token: officer.token }), 'NOT_FOUND');
    expectError(await server.gql(PlaceLegalHoldDocument, { subjectId: member.userId, reason: 'x' }, { token: admin.token }), 'FORBIDDEN');
    const hold = await server.gql(PlaceLegalHoldDocument, { subjectId: member.userId, reason: '소송' }, { token: officer.token });
    expect((await server.gql(LegalHoldsDocument, { subjectId: member.userId }, { token: officer.token })).data!.legalHolds).toEqual([
      { id: hold.data!.placeLegalHold.id, subjectId: member.userId, reason: '소송', releasedAt: null },
    ]);
    await server.gql(ReleaseLegalHoldDocument, { id: hold.data!.placeLegalHold.id }, { token: officer.token });
    expectError(await server.gql(ReleaseLegalHoldDocument, { id: hold.data!.placeLegalHold.id }, { token: officer.token }), 'CONFLICT');
    expectError(await server.gql(LegalHoldsDocument, {}, { token: admin.token }), 'FORBIDDEN');
  });
});

// npm run bench (scenario `privacy`, after the others), or alone: BENCH_SCENARIOS=privacy npm run bench. Data-subject
// rights and retention at size, each beside a same-run baseline:
// - ACCESS export of a subject with BENCH_SUBJECT_RECORDS (10,000) records,
//   streamed (goal: under 5 s end to end), with the process's peak RSS growth;
// - full erasure of the same subject (goal: under 5 s);
// - the purge of BENCH_PURGE_ROWS (1,000,000) expired web visits against a plain
//   DELETE of as many rows from a copy of the table (goal: at least 0.5x its rows/s).
// Uses its own database aimex_bench_privacy (dropped and recreated, through
// scenario-kit's openBench) and an S3-compatible server on port 4575.
import 'reflect-metadata';
import { createApp } from '../../src/app';
import { DataSubjectRequest, DataSubjectRequestType } from '../../src/modules/data-subject-requests/dsr.entity';
import { PurgeRun } from '../../src/modules/retention/retention.entity';
import { executePurge } from '../../src/modules/retention/purge';
import { eraseSubject } from '../../src/privacy/erasure';
import { sealPersonal } from '../../src/privacy/personal-data';
import { SubjectKey } from '../../src/privacy/subject-key.entity';
import { signUpInput, uniqueEmail } from '../factories/accounts';
import { openBench } from './scenario-kit';

const RECORDS = Number(process.env.BENCH_SUBJECT_RECORDS || 10_000);
const PURGE_ROWS = Number(process.env.BENCH_PURGE_ROWS || 1_000_000);
const S3_PORT = 4575;

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');

export async function runPrivacyBench(): Promise<number> {
  console.log(`AIMEX privacy bench: export and erasure of a subject with ${RECORDS} records; purge of ${PURGE_ROWS} expired web visits`);
  const bench = await openBench('privacy', S3_PORT);
  const { config } = bench;
  const app = await createApp(config, { s3Endpoint: config.s3.endpoint! });
  let failed = 0;
  try {
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = app.http.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const input = signUpInput({ email: uniqueEmail('bench') });
    const signUp = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }', variables: { input } }) });
    const subjectId: string = ((await signUp.json()) as any).data.signUp.user.id;
    const em = app.orm.em.fork();
    const key = app.services.master.unwrap((await em.findOneOrFail(SubjectKey, { subjectId })))!;

    // The subject's records: web visits, usage records, feedback and encrypted chat messages, in equal parts.
    const part = Math.floor(RECORDS / 4);
    await em.execute(`insert into web_visits (id, at, ip_address, operation, user_id) select gen_random_uuid(), now() - (g || ' minutes')::interval, '10.1.2.3', 'Me', ? from generate_series(1, ?) g`, [subjectId, part]);
    await em.execute(`insert into usage_events (id, user_id, type, at) select gen_random_uuid(), ?, 'SIGN_IN', now() - (g || ' minutes')::interval from generate_series(1, ?) g`, [subjectId, part]);
    await em.execute(`insert into recommendation_feedback (id, user_id, kind, item_id, action, created_at) select gen_random_uuid(), ?, 'PRODUCT', gen_random_uuid(), 'CLICKED', now() from generate_series(1, ?) g`, [subjectId, part]);
    const [{ id: orgId }] = await em.execute<{ id: string }[]>("insert into organizations (id, name, created_at) values (gen_random_uuid(), 'bench', now()) returning id");
    const [{ id: modelId }] = await em.execute<{ id: string }[]>(
      `insert into influencer_models (id, organization_id, name, persona, status, created_at, updated_at) values (gen_random_uuid(), ?, 'm', '{"displayName":"m","catchphrases":[],"brandValues":[],"language":"ko"}', 'DRAFT', now(), now()) returning id`, [orgId]);
    const [{ id: conversationId }] = await em.execute<{ id: string }[]>('insert into conversations (id, user_id, model_id, created_at, updated_at) values (gen_random_uuid(), ?, ?, now(), now()) returning id', [subjectId, modelId]);
    const messages = RECORDS - 3 * part;
    for (let offset = 0; offset < messages; offset += 1000) {
      const rows = Array.from({ length: Math.min(1000, messages - offset) }, (_, i) => {
        const id = crypto.randomUUID();
        return [id, conversationId, subjectId, sealPersonal(key, 'ChatMessage', 'textEnc', subjectId, `메시지 ${offset + i} 오늘 기분이 좋아요`)!];
      });
      await em.execute(`insert into chat_messages (id, conversation_id, user_id, role, ai_generated, redactions, text_enc, created_at) values ${rows.map(() => "(?, ?, ?, 'USER', false, '{}', ?, now())").join(', ')}`, rows.flat());
    }

    // ACCESS: the job's work, end to end (export streamed to S3, encrypted).
    const request = em.create(DataSubjectRequest, { subjectId, type: DataSubjectRequestType.ACCESS, dueAt: new Date(Date.now() + 864e6) });
    await em.flush();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    let t = process.hrtime.bigint();
    await app.services.dataSubjectRequests.process(app.orm.em.fork(), request.id);
    const exportMs = ms(t);
    clearInterval(sampler);
    const [{ status }] = await em.execute<{ status: string }[]>('select status from data_subject_requests where id = ?', [request.id]);
    if (status !== 'COMPLETED') failed += 1;
    let exportBytes = 0;
    for await (const object of app.services.storage.list(`exports/${subjectId}/`)) exportBytes += object.size;
    console.log(`ACCESS export: ${RECORDS} records in ${exportMs.toFixed(0)} ms (${(RECORDS / (exportMs / 1000)).toFixed(0)} records/s), ${(exportBytes / 1048576).toFixed(1)} MiB encrypted, peak RSS +${((peak - rssBefore) / 1048576).toFixed(1)} MiB (goal < 5000 ms: ${verdict(exportMs < 5000)})`);
    if (exportMs >= 5000) failed += 1;

    // Full erasure of the same subject, as withdraw runs it.
    t = process.hrtime.bigint();
    const outcome = await app.orm.em.fork().transactional((tx) => eraseSubject(tx, subjectId, 'ALL'));
    const eraseMs = ms(t);
    const [{ n: left }] = await em.execute<{ n: number }[]>('select (select count(*) from chat_messages where user_id = ?) + (select count(*) from web_visits where user_id = ?) as n', [subjectId, subjectId]);
    if (Number(left) !== 0) failed += 1;
    console.log(`full erasure: ${Object.values(outcome.report.counts).reduce((a, b) => a + b, 0)} records in ${eraseMs.toFixed(0)} ms (goal < 5000 ms: ${verdict(eraseMs < 5000)})`);
    if (eraseMs >= 5000) failed += 1;

    // Purge of expired web visits against a plain DELETE of as many rows, same run, same data shape.
    const fill = (table: string) => em.execute(`insert into ${table} (id, at, ip_address, operation, user_id)
      select gen_random_uuid(), now() - interval '200 days' - (g || ' seconds')::interval, '10.0.0.1', 'Old', null from generate_series(1, ?) g`, [PURGE_ROWS]);
    await em.execute('create table web_visits_baseline (like web_visits including all)');
    await fill('web_visits_baseline');
    await em.execute('vacuum analyze web_visits_baseline');
    t = process.hrtime.bigint();
    const baseline = await em.execute<unknown[]>("delete from web_visits_baseline where at < now() - interval '3 months' returning 1").then((r) => r.length);
    const baselineMs = ms(t);
    await em.execute('drop table web_visits_baseline');
    await fill('web_visits');
    await em.execute('vacuum analyze web_visits');
    const run = em.create(PurgeRun, { dryRun: false });
    await em.flush();
    t = process.hrtime.bigint();
    await executePurge(app.orm, app.services.storage, run.id);
    const purgeMs = ms(t);
    const done = await app.orm.em.fork().findOneOrFail(PurgeRun, run.id);
    const purged = done.counts.find((c) => c.category === 'WEB_VISIT_LOG')?.count ?? 0;
    const ratio = (purged / purgeMs) / (baseline / baselineMs);
    console.log(`purge: ${purged} web visits in ${purgeMs.toFixed(0)} ms (${(purged / (purgeMs / 1000)).toFixed(0)} rows/s, the whole run); plain DELETE: ${baseline} rows in ${baselineMs.toFixed(0)} ms (${(baseline / (baselineMs / 1000)).toFixed(0)} rows/s); ratio ${ratio.toFixed(2)}x (goal >= 0.5x: ${verdict(ratio >= 0.5)})`);
    if (purged !== PURGE_ROWS || ratio < 0.5) failed += 1;
  } finally {
    await app.close();
    await bench.close();
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  runPrivacyBench().then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(1);
  });
}

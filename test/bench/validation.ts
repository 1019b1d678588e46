// Dataset validation throughput: BENCH_SCENARIOS=validation npm run bench (or run this file).
// A BENCH_VALIDATION_MIB (45) MiB CSV full of personal data is uploaded through the pre-signed
// URL; measured is completeDatasetUpload -> READY over HTTP with a real worker: the outbox relay,
// the copy to the server-side name, the streamed parse + redaction, the encrypted redacted copy,
// the sealed preview and the delete of the original. Beside it, in the same run, the baseline
// streams the same file from disk through the same parser and regexes, without storage. Goal:
// at least 0.7x the baseline's MB/s. Memory: the process's peak RSS growth during validation of
// the full file and of a fifth of it (flat in file size: the two should be close).
// Uses its own database aimex_bench_validation (dropped and recreated), Redis db 9 and an
// S3-compatible server on port 4576, in a child process (as a real S3 is elsewhere: its work is
// not the validation's).
import 'reflect-metadata';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { startWorker } from '../../jobs/worker';
import { createApp, prepareDatabase } from '../../src/app';
import { loadConfig } from '../../src/config';
import { emptySummary, parseDataset } from '../../src/modules/datasets/dataset-parsers';
import { redactRecord } from '../../src/modules/datasets/dataset-validation';
import { signUpInput, uniqueEmail } from '../factories/accounts';
import { startS3Server } from './scenario-kit';

const MIB = Number(process.env.BENCH_VALIDATION_MIB || 45);
const GOAL = 0.7;
const DATABASE = 'aimex_bench_validation';
const S3_PORT = 4576;
const s3Directory = join(os.tmpdir(), `aimex-bench-validation-s3-${process.pid}`);

function benchConfig() {
  const base = loadConfig();
  const dbUrl = new URL(base.databaseUrl);
  dbUrl.pathname = `/${DATABASE}`;
  return loadConfig({
    ...process.env, NODE_ENV: 'test', DATABASE_URL: dbUrl.toString(), REDIS_URL: 'redis://127.0.0.1:6379/9',
    S3_ENDPOINT: `http://127.0.0.1:${S3_PORT}`, S3_BUCKET: 'aimex-bench', LOG_LEVEL: 'silent', EMBEDDED_WORKER: 'false',
    RATE_LIMIT_PER_MINUTE: '0', SIGN_IN_PER_IP_LIMIT: '0', DATASET_UPLOAD_LIMIT_BYTES: String(50 * 1024 * 1024),
  });
}

/** A CSV of QA pairs, each answer with a resident registration number, an email, a phone, a card and a name. */
async function writeCsv(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('question,answer\n');
  let written = 0;
  for (let i = 0; written < bytes; i += 1) {
    const row = `"${i}번 주문 배송지 변경 문의드립니다","김민지 고객님(900101-1234568) 확인 메일은 user${i}@example.com, 연락처 010-${String(1000 + (i % 9000))}-5678, 카드 4111-1111-1111-1111 로 결제되었습니다. 서울시 강남구 테헤란로 ${i % 500}"\n`;
    written += Buffer.byteLength(row);
    if (!out.write(row)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return statSync(path).size;
}

/** The same parser and regexes over the same file, from disk, no storage: the ceiling. */
async function baseline(path: string): Promise<number> {
  const started = process.hrtime.bigint();
  const summary = emptySummary();
  const pii: Record<string, number> = {};
  let serialized = 0;
  for await (const record of parseDataset('CSV', createReadStream(path, { highWaterMark: 64 * 1024 }), summary)) {
    serialized += JSON.stringify(redactRecord(record, pii)).length + 1;
  }
  if (summary.records === 0 || serialized === 0) throw new Error('the baseline parsed nothing');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as any;
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export async function runValidationBench(): Promise<number> {
  const config = benchConfig();
  console.log(`validation bench: ${MIB} MiB CSV with personal data; machine: ${os.cpus().length} CPUs, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const admin = new Client({ connectionString: config.databaseUrl.replace(`/${DATABASE}`, '/postgres') });
  await admin.connect();
  await admin.query(`drop database if exists "${DATABASE}" with (force)`);
  await admin.end();
  await prepareDatabase(config);
  const redis = new Redis(config.redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const s3 = await startS3Server(S3_PORT, s3Directory);
  const app = await createApp(config, { s3Endpoint: config.s3.endpoint! });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const worker = await startWorker(config, { orm: app.orm, log: app.log });
  const files: string[] = [];
  let failed = 0;
  try {
    const account = signUpInput({ email: uniqueEmail('bench'), accountType: 'ENTERPRISE', organizationName: '벤치', department: '데이터팀', jobTitle: '매니저' });
    await gql(url, 'mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }', { input: account });
    const token = (await gql(url, 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken } }', { e: account.email, p: account.password })).signIn.accessToken;
    const organizationId = (await gql(url, '{ me { organization { id } } }', {}, token)).me.organization.id;

    /** Upload (not measured), then completion -> READY (measured), sampling RSS meanwhile. */
    const validate = async (path: string, size: number) => {
      const created = (await gql(url, 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { uploadUrl dataset { id } } }',
        { input: { organizationId, name: 'bench', kind: 'QA_CONVERSATION', format: 'CSV', sizeBytes: size } }, token)).createDataset;
      const put = await fetch(created.uploadUrl, { method: 'PUT', body: createReadStream(path) as never, duplex: 'half', headers: { 'content-length': String(size) } } as never);
      if (put.status !== 200) throw new Error(`upload: ${put.status}`);
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
      const started = process.hrtime.bigint();
      await gql(url, 'mutation($id: ID!) { completeDatasetUpload(id: $id) { id } }', { id: created.dataset.id }, token);
      let status = 'VALIDATING';
      let dataset: any = null;
      while (status === 'VALIDATING') {
        await new Promise((r) => setTimeout(r, 10));
        dataset = (await gql(url, 'query($id: ID!) { dataset(id: $id) { status recordCount piiFindings { type count } } }', { id: created.dataset.id }, token)).dataset;
        status = dataset.status;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearInterval(sampler);
      if (status !== 'READY') throw new Error(`validation ended ${status}`);
      const objects: string[] = [];
      for await (const object of app.storage.list(`datasets/${organizationId}/${created.dataset.id}/`)) objects.push(object.key);
      if (objects.length !== 1 || !/\/redacted-/.test(objects[0])) throw new Error(`objects left: ${objects.join(', ')}`);
      return { seconds, rssGrowthMiB: (peak - rssBefore) / 1024 / 1024, records: dataset.recordCount as number };
    };

    const full = join(os.tmpdir(), `aimex-bench-validation-${process.pid}.csv`);
    const small = join(os.tmpdir(), `aimex-bench-validation-${process.pid}-small.csv`);
    files.push(full, small);
    const fullSize = await writeCsv(full, MIB * 1024 * 1024);
    const smallSize = await writeCsv(small, Math.round((MIB * 1024 * 1024) / 5));
    const mb = (bytes: number) => bytes / 1e6;

    // Warm-up of both paths on the small file.
    await baseline(small);
    await validate(small, smallSize);

    const baselineSeconds = Math.min(await baseline(full), await baseline(full));
    const smallRun = await validate(small, smallSize);
    const fullRun = await validate(full, fullSize);
    const apiRate = mb(fullSize) / fullRun.seconds;
    const baseRate = mb(fullSize) / baselineSeconds;
    const ratio = apiRate / baseRate;
    console.log(`baseline (disk -> parser + redaction, no storage): ${mb(fullSize).toFixed(1)} MB in ${baselineSeconds.toFixed(2)} s = ${baseRate.toFixed(1)} MB/s`);
    console.log(`validation (completeDatasetUpload -> READY: outbox relay, copy, parse + redaction, encrypted copy, original deleted): ${fullRun.records} records in ${fullRun.seconds.toFixed(2)} s = ${apiRate.toFixed(1)} MB/s`);
    console.log(`memory: peak RSS growth ${fullRun.rssGrowthMiB.toFixed(1)} MiB for ${mb(fullSize).toFixed(0)} MB, ${smallRun.rssGrowthMiB.toFixed(1)} MiB for ${mb(smallSize).toFixed(0)} MB (same process as the API, the worker and the S3 server)`);
    console.log(`validation/baseline ${ratio.toFixed(2)}x (goal >= ${GOAL}x: ${ratio >= GOAL ? 'met' : 'NOT MET'})`);
    if (ratio < GOAL) failed += 1;
  } finally {
    for (const file of files) rmSync(file, { force: true });
    await worker.close();
    await app.close();
    await s3.close();
    rmSync(s3Directory, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  runValidationBench().then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(1);
  });
}

// npm run bench: the API against a raw fastify + pg baseline running the same
// SQL (test/bench/raw-server.ts), for processors, me and user(id) as ADMIN.
// Not a test. Each server runs in its own child process and autocannon drives
// them from this one, one after the other, never concurrently.
//
// Settings (environment): BENCH_SECONDS (8), BENCH_WARMUP_SECONDS (2),
// BENCH_CONNECTIONS (10), BENCH_SCENARIOS (processors,me,user: which, in that order;
// training, recommendations, users, validation: the heavy-work scenarios of heavy-work.ts, after these;
// privacy: data-subject export, erasure and the purge of privacy.ts, last),
// BENCH_CPU_PROF=<dir> (runs both children with --cpu-prof into <dir>; the
// file names carry the pids printed at start).
// Uses its own database aimex_bench (dropped and recreated each run), Redis
// db 9 and an S3-compatible server on port 4574.
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { prepareDatabase } from '../../src/app';
import { Role } from '../../src/auth/roles';
import { createStaffAccount } from '../../src/auth/staff';
import { loadConfig } from '../../src/config';
import { openOrm } from '../../src/db/orm';
import { AccessLogService } from '../../src/privacy/access-log.service';
import { EmailIndex } from '../../src/privacy/email-index';
import { MasterKeys } from '../../src/privacy/key-ring';
import { startLocalS3 } from '../../src/storage/local-s3';
import { PASSWORD, signUpInput, uniqueEmail } from '../factories/accounts';
import { HEAVY_WORK, runHeavyWork } from './heavy-work';
import { runPrivacyBench } from './privacy';
import { dropDatabase } from './scenario-kit';

interface Histogram { average: number; p50: number; p99: number; total: number }
interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  '2xx': number;
}
// autocannon ships no types; the options used here are documented in its README.
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

const seconds = positive('BENCH_SECONDS', 8);
const warmupSeconds = positive('BENCH_WARMUP_SECONDS', 2);
const connections = positive('BENCH_CONNECTIONS', 10);
const only = (process.env.BENCH_SCENARIOS ?? `processors,me,user,${Object.keys(HEAVY_WORK).join(',')},privacy`).split(',').map((s) => s.trim());
const cpuProfDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null;
const GOAL = { scenario: 'user', ratio: 0.5 };

const DATABASE = 'aimex_bench';
const S3_PORT = 4574;
const s3Directory = join(os.tmpdir(), `aimex-bench-s3-${process.pid}`);

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: 'development',
  DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${DATABASE}`,
  REDIS_URL: 'redis://127.0.0.1:6379/9',
  S3_ENDPOINT: `http://127.0.0.1:${S3_PORT}`,
  S3_BUCKET: 'aimex-bench',
  RATE_LIMIT_PER_MINUTE: '0',
  SIGN_IN_PER_IP_LIMIT: '0',
  LOG_LEVEL: 'silent',
  EMBEDDED_WORKER: 'false',
  // Outlives any run: a token expiring mid-run would turn into 401s.
  ACCESS_TOKEN_TTL_SECONDS: '86400',
};
const config = loadConfig(env);

interface Child { process: ChildProcess; url: string }

function startChild(script: string, execArgv: string[] = []): Promise<Child> {
  const child = fork(join(__dirname, script), [], {
    env,
    execArgv: ['-r', '@swc-node/register', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), 60_000);
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      resolvePort({ process: child, url: `http://127.0.0.1:${message.port}` });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before listening`));
    });
  });
}

async function stopChild(child: Child | null): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.process.once('exit', () => done()));
  child.process.send('stop');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function recreateDatabase(): Promise<void> {
  await dropDatabase(DATABASE);
  await prepareDatabase(config);
}

async function post(url: string, body: string, token?: string): Promise<{ status: number; text: string; json: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // reported below as a bad sample
  }
  return { status: response.status, text, json };
}

async function gql(api: Child, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const { status, json } = await post(`${api.url}/graphql`, JSON.stringify({ query, variables }), token);
  if (status !== 200 || !json || json.errors) throw new Error(`GraphQL call failed (${status}): ${JSON.stringify(json)}`);
  return json.data;
}

interface Scenario {
  key: string;
  label: string;
  query: string;
  variables: Record<string, unknown>;
  rawPath: string;
  /** Checks a sampled `data` is the intended path (masked, decrypted...). */
  check(data: any): string | null;
}

interface Run { scenario: Scenario; server: 'api' | 'raw'; result: AutocannonResult; accessLogRows: number | null; usage: ProcessUsage | null }

/** CPU seconds and write syscalls of a child so far (Linux /proc; null elsewhere). */
interface ProcessUsage { cpuSeconds: number; writes: number }
const CLOCK_TICKS = 100; // USER_HZ: /proc/<pid>/stat counts in hundredths of a second on Linux

function usageOf(pid: number | undefined): ProcessUsage | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const writes = Number(/^syscw:\s*(\d+)/m.exec(io)?.[1]);
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, writes };
  } catch {
    return null;
  }
}

const usageDelta = (before: ProcessUsage | null, after: ProcessUsage | null): ProcessUsage | null =>
  before && after ? { cpuSeconds: after.cpuSeconds - before.cpuSeconds, writes: after.writes - before.writes } : null;

const failedRequests = (r: AutocannonResult) => r.errors + r.timeouts + r.non2xx + r.mismatches;

async function headSequence(db: Client): Promise<number> {
  const { rows } = await db.query('select sequence from access_log_head where id = 1');
  return Number(rows[0].sequence);
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
const fixed = (value: number, digits = 1) => value.toFixed(digits);
/** Per answered request; requests in flight at the run's edges make it approximate. */
const perRequest = (run: Run, pick: (usage: ProcessUsage) => number) =>
  run.usage && run.result['2xx'] > 0 ? fixed(pick(run.usage) / run.result['2xx'], 2) : '-';

async function main(): Promise<number> {
  if (!['processors', 'me', 'user'].some((key) => only.includes(key))) return 0;
  console.log(`AIMEX bench: ${seconds} s per run after ${warmupSeconds} s warm-up (and a first ${warmupSeconds} s warm-up pass over every scenario), ${connections} connections, one server at a time`);
  console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${os.platform()} ${os.release()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  let s3: { close: () => Promise<void> } | null = null;
  let api: Child | null = null;
  let raw: Child | null = null;
  const db = new Client({ connectionString: config.databaseUrl });
  let dbConnected = false;
  try {
    await recreateDatabase();
    const redis = new Redis(config.redisUrl);
    await redis.flushdb();
    redis.disconnect();
    s3 = await startLocalS3({ port: S3_PORT, directory: s3Directory });

    // Seed: an ADMIN from the command-line path, a member through signUp.
    const adminEmail = uniqueEmail('admin');
    const orm = await openOrm(config);
    try {
      await createStaffAccount({ emailIndex: new EmailIndex(config), master: new MasterKeys(config), accessLog: new AccessLogService() }, orm.em.fork(), {
        email: adminEmail, password: PASSWORD, name: '김관리', phone: '010-9999-0000', role: Role.ADMIN,
      });
    } finally {
      await orm.close(true);
    }

    const profArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
    [api, raw] = await Promise.all([startChild('api-server.ts', profArgs), startChild('raw-server.ts', profArgs)]);
    if (cpuProfDir) console.log(`API (pid ${api.process.pid}) and raw (pid ${raw.process.pid}) children profiled with --cpu-prof into ${cpuProfDir} (written when they exit)`);

    const member = signUpInput({ email: uniqueEmail('member') });
    const signedUp = await gql(api, 'mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }', { input: member });
    const memberId: string = signedUp.signUp.user.id;
    const signedIn = await gql(api, 'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { accessToken } }',
      { email: adminEmail, password: PASSWORD });
    const token: string = signedIn.signIn.accessToken;

    await db.connect();
    dbConnected = true;

    const scenarios: Scenario[] = ([
      {
        key: 'processors', label: 'processors', rawPath: '/processors', variables: {},
        query: '{ processors { name task retention country } }',
        check: (data: any) => (Array.isArray(data?.processors) && data.processors.length > 0 ? null : 'no processors'),
      },
      {
        key: 'me', label: 'me', rawPath: '/me', variables: {},
        query: '{ me { id role name email } }',
        check: (data: any) => (data?.me?.role === 'ADMIN' && data.me.name === '김관리' && data.me.email === adminEmail ? null : 'me is not the decrypted ADMIN'),
      },
      {
        key: 'user', label: 'user(id) ADMIN', rawPath: '/user', variables: { id: memberId },
        query: 'query($id: ID!) { user(id: $id) { id name email phone } }',
        check: (data: any) => (data?.user?.id === memberId && data.user.name === '홍*동' && data.user.phone === '010-****-5678' && /^m\*\*\*@example\.com$/.test(data.user.email)
          ? null : 'user(id) is not the masked member'),
      },
    ] satisfies Scenario[]).filter((s) => only.includes(s.key)).sort((a, b) => only.indexOf(a.key) - only.indexOf(b.key));
    if (scenarios.length === 0) throw new Error(`BENCH_SCENARIOS matched nothing (processors, me, user): ${only.join(',')}`);

    // One sampled response each: GraphQL errors fail loudly, and both must answer the same.
    const prepared = [];
    for (const scenario of scenarios) {
      const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
      const targets = { api: `${api.url}/graphql`, raw: `${raw.url}${scenario.rawPath}` } as const;
      const samples = { api: await post(targets.api, body, token), raw: await post(targets.raw, body, token) };
      for (const [server, sample] of Object.entries(samples)) {
        const problem = sample.status !== 200 ? `status ${sample.status}`
          : !sample.json ? 'not JSON'
            : sample.json.errors ? `errors ${JSON.stringify(sample.json.errors)}`
              : scenario.check(sample.json.data);
        if (problem) throw new Error(`${scenario.label} on ${server}: ${problem}\n${sample.text}`);
      }
      if (!isDeepStrictEqual(samples.api.json, samples.raw.json)) {
        throw new Error(`${scenario.label}: raw baseline answers differently\napi: ${samples.api.text}\nraw: ${samples.raw.text}`);
      }
      const optionsFor = (server: 'api' | 'raw') => ({
        url: targets[server], method: 'POST', connections, body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        // Every response is compared with the sample: a changed body counts as a failed request.
        expectBody: samples[server].text,
      });
      prepared.push({ scenario, options: { api: optionsFor('api'), raw: optionsFor('raw') } });
    }

    const runs: Run[] = [];
    let failed = 0;
    // Warm-up of every path first (the JIT, pools, caches), so the first scenario measured is not the cold one.
    for (const { scenario, options } of prepared) {
      for (const server of ['api', 'raw'] as const) {
        const warmup = await autocannon({ ...options[server], duration: warmupSeconds });
        failed += failedRequests(warmup);
        if (failedRequests(warmup)) console.error(`  warm-up ${scenario.label} ${server}: ${failedRequests(warmup)} failed`);
      }
    }
    for (const { scenario, options } of prepared) {
      for (const server of ['api', 'raw'] as const) {
        const warmup = await autocannon({ ...options[server], duration: warmupSeconds });
        failed += failedRequests(warmup);
        const pid = (server === 'api' ? api : raw).process.pid;
        const before = scenario.key === 'user' ? await headSequence(db) : null;
        const usageBefore = usageOf(pid);
        const result = await autocannon({ ...options[server], duration: seconds });
        const usage = usageDelta(usageBefore, usageOf(pid));
        const accessLogRows = before === null ? null : (await headSequence(db)) - before;
        failed += failedRequests(result);
        runs.push({ scenario, server, result, accessLogRows, usage });
        console.log(`  ${scenario.label} ${server}: ${fixed(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${result['2xx']} ok, ${failedRequests(result)} failed`
          + (failedRequests(warmup) ? ` (+${failedRequests(warmup)} failed in warm-up)` : ''));
      }
    }

    // Every staff read was logged (in-flight requests at a run's edges may add up to
    // 2 x connections), and the chain verifies: the raw baseline appends to the same one.
    const verifyOrm = await openOrm(config);
    let chain;
    try {
      chain = await new AccessLogService().verify(verifyOrm.em.fork());
    } finally {
      await verifyOrm.close(true);
    }

    console.log('');
    console.log(`${'scenario'.padEnd(16)}${'server'.padEnd(8)}${pad('req/s', 10)}${pad('p99 ms', 9)}${pad('mean ms', 9)}${pad('2xx', 9)}${pad('failed', 8)}${pad('logged', 9)}${pad('cpu ms/req', 12)}${pad('writes/req', 12)}${pad('x raw', 8)}`);
    for (const run of runs) {
      const rawRun = runs.find((r) => r.scenario === run.scenario && r.server === 'raw')!;
      const ratio = run.server === 'api' ? fixed(run.result.requests.average / rawRun.result.requests.average, 2) : '';
      console.log(`${run.scenario.label.padEnd(16)}${run.server.padEnd(8)}${pad(fixed(run.result.requests.average), 10)}${pad(run.result.latency.p99, 9)}`
        + `${pad(fixed(run.result.latency.average, 2), 9)}${pad(run.result['2xx'], 9)}${pad(failedRequests(run.result), 8)}`
        + `${pad(run.accessLogRows ?? '-', 9)}${pad(perRequest(run, (u) => u.cpuSeconds * 1000), 12)}${pad(perRequest(run, (u) => u.writes), 12)}${pad(ratio, 8)}`);
    }
    console.log('');
    for (const scenario of scenarios) {
      const a = runs.find((r) => r.scenario === scenario && r.server === 'api')!.result;
      const r = runs.find((x) => x.scenario === scenario && x.server === 'raw')!.result;
      const ratio = a.requests.average / r.requests.average;
      const goal = scenario.key === GOAL.scenario ? (ratio >= GOAL.ratio ? ` (goal >= ${GOAL.ratio}x: met)` : ` (goal >= ${GOAL.ratio}x: NOT MET)`) : '';
      console.log(`${scenario.label}: API ${fixed(a.requests.average)} req/s, p99 ${a.latency.p99} ms; raw ${fixed(r.requests.average)} req/s, p99 ${r.latency.p99} ms; API/raw ${fixed(ratio, 2)}x${goal}`);
    }
    console.log(`access log: ${chain.checkedEntries} entries, chain ${chain.valid ? 'valid' : `BROKEN at sequence ${chain.firstInvalidSequence}`}`);
    for (const run of runs) {
      if (run.accessLogRows !== null && (run.accessLogRows < run.result['2xx'] || run.accessLogRows > run.result['2xx'] + 2 * connections)) {
        console.error(`${run.scenario.label} ${run.server}: ${run.accessLogRows} access-log entries for ${run.result['2xx']} answered staff reads`);
        failed += 1;
      }
    }
    if (!chain.valid) failed += 1;
    if (failed > 0) {
      console.error(`FAILED: ${failed} failed requests or checks (errors, timeouts, non-2xx, body mismatches, access-log gaps)`);
      return 1;
    }
    return 0;
  } finally {
    await Promise.all([stopChild(api), stopChild(raw)]);
    if (dbConnected) await db.end();
    await s3?.close();
    rmSync(s3Directory, { recursive: true, force: true });
  }
}

main().then(async (code) => process.exit(Math.max(code, await runHeavyWork(only), only.includes('privacy') ? await runPrivacyBench() : 0)), (error) => {
  console.error(error);
  process.exit(1);
});

// What the benches of issue 9 (training, models, recommendations, users) share:
// a database of their own, the real API in a child process (so the load
// generator does not share its event loop), sequential latency sampling and
// the goal lines. Each scenario file runs alone (node -r @swc-node/register
// test/bench/<file>.ts) or from run.ts.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { prepareDatabase } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';

export interface Bench {
  name: string;
  env: NodeJS.ProcessEnv;
  config: Readonly<Config>;
  db: Client;
  close(): Promise<void>;
}

/** A fresh database aimex_bench_<name> (dropped again by close()), Redis db 10 emptied, an S3-compatible server on `s3Port`. */
export async function openBench(name: string, s3Port: number, extraEnv: Record<string, string> = {}): Promise<Bench> {
  const database = `aimex_bench_${name}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env, NODE_ENV: 'test', DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${database}`, REDIS_URL: 'redis://127.0.0.1:6379/10',
    S3_ENDPOINT: `http://127.0.0.1:${s3Port}`, S3_BUCKET: 'aimex-bench', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_IP_PER_MINUTE: '0', SIGN_IN_PER_IP_LIMIT: '0',
    LOG_LEVEL: 'silent', EMBEDDED_WORKER: 'false', ACCESS_TOKEN_TTL_SECONDS: '86400', ...extraEnv,
  };
  const config = loadConfig(env);
  await dropDatabase(database);
  await prepareDatabase(config);
  const redis = new Redis(config.redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const directory = join(os.tmpdir(), `aimex-bench-${name}-s3-${process.pid}`);
  const s3 = await startS3Server(s3Port, directory);
  const db = new Client({ connectionString: config.databaseUrl });
  await db.connect();
  return {
    name, env, config, db,
    async close() {
      await db.end();
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
      // Dropped when done: PostgreSQL's autovacuum of a million fresh rows would otherwise run into the next scenario's figures.
      await dropDatabase(database);
    },
  };
}

/** Drops a bench database, its connections too. */
export async function dropDatabase(database: string): Promise<void> {
  const admin = new Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${database}" with (force)`);
  } finally {
    await admin.end();
  }
}

/** The local S3-compatible server in a process of its own (test/bench/s3-server.ts). */
export async function startS3Server(port: number, directory: string): Promise<{ close(): Promise<void> }> {
  const child = fork(join(__dirname, 's3-server.ts'), [String(port), directory], { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the S3 server exited with code ${code}`)));
  });
  return {
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Child { process: ChildProcess; url: string; pid: number }

/** Forks a bench child (api-server.ts, or another script that reports `{ port }` over IPC when it listens). */
export function startChild(script: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<Child> {
  const child = fork(join(__dirname, script), [], { env, execArgv: ['-r', '@swc-node/register', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), 60_000);
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      resolve({ process: child, url: `http://127.0.0.1:${message.port ?? 0}`, pid: child.pid! });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before it was ready`));
    });
  });
}

export async function stopChild(child: Child | null): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.process.once('exit', () => done()));
  child.process.send('stop');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// One kept-alive connection per API, over node:http: the latency sampled is the server's, not a client's (fetch
// costs about a millisecond of this machine's CPU per request in the measuring process, more than node:http).
const agents = new Map<string, http.Agent>();

export function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const target = new URL(`${url}/graphql`);
  let agent = agents.get(target.host);
  if (!agent) agents.set(target.host, (agent = new http.Agent({ keepAlive: true, maxSockets: 4 })));
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        try {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown; errors?: unknown };
          if (response.statusCode !== 200 || json.errors) reject(new Error(`GraphQL call failed (${response.statusCode}): ${JSON.stringify(json.errors)}`));
          else resolve(json.data);
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Latency percentiles (ms) of `count` requests sent one after another, after `warmup` unmeasured ones. */
export async function sequential(count: number, warmup: number, once: (i: number) => Promise<void>): Promise<{ p50: number; p99: number; mean: number }> {
  for (let i = 0; i < warmup; i += 1) await once(i);
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = process.hrtime.bigint();
    await once(i);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99), mean: times.reduce((s, t) => s + t, 0) / times.length };
}

/** CPU seconds used by a process so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process now and at its peak (VmRSS, VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
export const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** One goal line: `label: measured (baseline), ratio; goal ...: met | NOT MET`. Returns whether it was met. */
export function goal(label: string, detail: string, met: boolean, goalText: string): boolean {
  console.log(`${label}: ${detail} (goal ${goalText}: ${met ? 'met' : 'NOT MET'})`);
  return met;
}

export const machineLine = () =>
  `machine: ${os.cpus().length} CPUs, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;

/** Runs a scenario's main as a script: exit 0 when every goal was met, 1 otherwise. */
export function runAsScript(main: () => Promise<boolean>): void {
  main().then((ok) => process.exit(ok ? 0 : 1), (error) => {
    console.error(error);
    process.exit(1);
  });
}

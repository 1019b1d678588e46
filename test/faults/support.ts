// Private servers for the fault tests: each test starts (and stops, and restarts) its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../setup/capture';

export { freePort };

export async function until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 30_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | null | undefined | false = null;
    try {
      value = await probe();
    } catch {
      value = null;
    }
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A redis-server of the test's own, without persistence: stopped and started again, it is empty. */
export interface PrivateRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const ping = async () => {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  };
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await until(ping, 'redis-server start', 10_000, 50);
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}

/** jobs/worker.ts as a real child process (npm run worker), with the given settings. */
export function spawnWorker(env: Record<string, string>): ChildProcess {
  const root = join(__dirname, '..', '..');
  return spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'jobs', 'worker.ts')], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/** A PostgreSQL 15 cluster of the test's own (initdb on a free port, trust auth on loopback), stopped and started again with its data. */
export interface PrivatePostgres {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export async function privatePostgres(database: string): Promise<PrivatePostgres> {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, chownSync, rmSync } = await import('node:fs');
  const bin = '/usr/lib/postgresql/15/bin';
  const port = await freePort();
  const dir = mkdtempSync('/tmp/aimex-fault-pg-');
  // initdb and the server refuse to run as root: as postgres when the test runs as root.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'ignore' });
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  run(`${bin}/initdb`, ['-D', `${dir}/data`, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const pg: PrivatePostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      run(`${bin}/pg_ctl`, ['-D', `${dir}/data`, '-w', '-l', `${dir}/log`, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
    },
    async stop() {
      run(`${bin}/pg_ctl`, ['-D', `${dir}/data`, '-w', '-m', 'immediate', 'stop']);
    },
    async destroy() {
      try {
        await pg.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

/** src/main.ts as a real child process (npm start without its embedded worker) on a free port; resolves once /ready answers 200. */
export async function spawnApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const root = join(__dirname, '..', '..');
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), EMBEDDED_WORKER: 'false', SHUTDOWN_DRAIN_MS: '200', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => child.exitCode !== null || (await fetch(`${url}/ready`)).status === 200, 'API start', 60_000, 100);
  if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
  return { child, url };
}

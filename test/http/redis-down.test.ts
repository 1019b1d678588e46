import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { SignInDocument } from '../__generated__/typed-documents';
import { PASSWORD, signUpMember, uniqueEmail } from '../factories/accounts';
import { freePort } from '../setup/capture';
import { expectError, startServer, type TestServer } from '../setup/harness';

// Rate limits are the only use of Redis on the request path. When Redis is away they must not fail closed:
// rate-limiter-flexible's insurance limiter counts in memory (per process) and requests keep being served.
const PER_IP = 6;
const limits = { RATE_LIMIT_PER_IP_PER_MINUTE: String(PER_IP), RATE_LIMIT_PER_MINUTE: '4', SIGN_IN_PER_IP_LIMIT: '3' };
const PROCESSORS = { query: '{ processors { name } }' };

/** A port nothing listens on: bound, then released. */

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function expectServedUntilLimited(server: TestServer): Promise<void> {
  for (let i = 0; i < PER_IP; i++) {
    const result = await server.raw(PROCESSORS);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.processors.length).toBeGreaterThan(0);
  }
  // Still limited, in this process's memory.
  const limited = await server.raw(PROCESSORS);
  expect(limited.status).toBe(429);
  expect(limited.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('Redis unreachable from the start', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...limits, REDIS_URL: `redis://127.0.0.1:${await freePort()}/0` });
  });
  afterAll(async () => { await server?.close(); });

  it('the server starts, reports Redis unavailable on /ready, and still answers /health', async () => {
    expect(server.app.redis.status).not.toBe('ready');
    const ready = await server.raw('', { method: 'GET', path: '/ready' });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis).toBe('unavailable');
    expect((await server.raw('', { method: 'GET', path: '/health' })).status).toBe(200);
  });

  it('given a public query, then it is answered (200 with data, not 500) and the per-IP limit still holds in memory', async () => {
    await expectServedUntilLimited(server);
  });
});

describe('Redis going away while the server runs', () => {
  let redisServer: ChildProcess | undefined;
  let port: number;
  let server: TestServer;

  beforeAll(async () => {
    port = await freePort();
    redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    await waitFor(async () => probe.connect().then(() => true, () => false), 'redis-server to accept connections');
    probe.disconnect();
    server = await startServer({ ...limits, REDIS_URL: `redis://127.0.0.1:${port}/0` });
    await server.app.redis.ping();
  });
  afterAll(async () => {
    await server?.close();
    if (redisServer && redisServer.exitCode === null && redisServer.signalCode === null) {
      redisServer.kill('SIGKILL');
      await once(redisServer, 'exit');
    }
  });

  it('given Redis up, then requests are counted in Redis', async () => {
    expect((await server.raw(PROCESSORS)).status).toBe(200);
    expect(await server.app.redis.get('rl:req-ip:127.0.0.1')).toBe('1');
  });

  it('given Redis killed, then { processors { name } } still answers 200 with data, and sign-in and its limits work from memory', async () => {
    const member = await signUpMember(server);
    redisServer!.kill('SIGKILL');
    await once(redisServer!, 'exit');
    await waitFor(() => server.app.redis.status !== 'ready', 'the client to notice');

    const started = Date.now();
    await expectServedUntilLimited(server);
    // The insurance answers at once: no waiting for ioredis to give up reconnecting.
    expect(Date.now() - started).toBeLessThan(3000);

    // A new minute for the address (the memory counters are this process's own).
    await server.app.services.rateLimits.requestsPerIp.reset('127.0.0.1');
    const signedIn = await server.gql(SignInDocument, { email: member.email, password: PASSWORD });
    expect(signedIn.status).toBe(200);
    expect(signedIn.data?.signIn.user.id).toBe(member.userId);
    // Failed sign-ins per IP are counted in memory too: after 3 the address is refused.
    for (let i = 0; i < 3; i++) expectError(await server.gql(SignInDocument, { email: uniqueEmail('nobody'), password: 'wrong-password-99' }), 'UNAUTHENTICATED');
    expectError(await server.gql(SignInDocument, { email: member.email, password: PASSWORD }), 'RATE_LIMITED');
  });
});

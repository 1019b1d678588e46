import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { createHttpServer, type HealthChecks } from '../../src/http/server';
import { Storage } from '../../src/storage/storage';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('GET /health', () => {
  it('answers 200 while the process lives', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('GET /ready', () => {
  it('given PostgreSQL, Redis and S3 answering, then 200 with every check ok', async () => {
    const response = await fetch(`${server.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok', s3: 'ok' } });
  });

  describe('given one dependency that does not answer', () => {
    // The app's own checks against the real services, with one swapped for the same kind of
    // call against a port where nothing listens.
    let port: number;
    const cleanups: (() => unknown)[] = [];
    beforeAll(async () => { port = await closedPort(); });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    const realChecks = (): HealthChecks => ({
      postgres: () => server.app.orm.em.fork().execute('select 1'),
      redis: () => server.app.redis.ping(),
      s3: () => server.app.storage.ping(),
    });

    const broken: Record<keyof HealthChecks, () => HealthChecks[keyof HealthChecks]> = {
      postgres: () => async () => {
        const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
        cleanups.push(() => client.end().catch(() => undefined));
        await client.connect();
        return client.query('select 1');
      },
      redis: () => {
        const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
        redis.on('error', () => undefined); // the refused connection is the point
        // Disconnecting a client that already ended arms ioredis' 2 s disconnect timer for nothing.
        cleanups.push(() => { if (redis.status !== 'end') redis.disconnect(); });
        return async () => {
          await redis.connect();
          return redis.ping();
        };
      },
      s3: () => {
        const storage = new Storage({ ...server.app.config.s3, endpoint: `http://127.0.0.1:${port}` });
        cleanups.push(() => storage.destroy());
        return () => storage.ping();
      },
    };

    async function readyOf(checks: HealthChecks): Promise<{ status: number; body: unknown }> {
      const http: FastifyInstance = await createHttpServer(server.app.config, server.app.services, checks);
      cleanups.push(() => http.close());
      await http.listen({ host: '127.0.0.1', port: 0 });
      const address = http.server.address();
      const response = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ready`);
      return { status: response.status, body: await response.json() };
    }

    it.each(['postgres', 'redis', 's3'] as const)('given %s down, then 503 naming it unavailable and the others ok', async (name) => {
      const checks = { ...realChecks(), [name]: broken[name]() };
      const result = await readyOf(checks);
      expect(result.status).toBe(503);
      expect(result.body).toEqual({
        status: 'not ready',
        checks: { postgres: 'ok', redis: 'ok', s3: 'ok', [name]: 'unavailable' },
      });
    });

    it('given every check answering again, then the same server setup is ready', async () => {
      const result = await readyOf(realChecks());
      expect(result).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', redis: 'ok', s3: 'ok' } } });
    });
  });
});

describe('GraphiQL in development', () => {
  let html: string;
  beforeAll(async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    html = await response.text();
  });

  const assetUrls = () => [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);

  it('given a browser asking GET /graphql, then the GraphiQL page', () => {
    expect(html).toContain('<title>AIMEX API · GraphiQL</title>');
    expect(html).toContain("url: '/graphql'");
  });

  it('loads its scripts and styles from this server only: no CDN', () => {
    expect(assetUrls().sort()).toEqual(['/graphiql/graphiql.css', '/graphiql/graphiql.js', '/graphiql/react-dom.js', '/graphiql/react.js']);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
  });

  it('serves each asset from npm with its content type', async () => {
    for (const path of assetUrls()) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body.length).toBeGreaterThan(1000);
      if (path.endsWith('.css')) {
        expect(response.headers.get('content-type')).toMatch(/^text\/css/);
        expect(body).toContain('.graphiql-container');
      } else {
        expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
      }
    }
    expect(await (await fetch(`${server.url}/graphiql/react.js`)).text()).toContain('React');
    expect(await (await fetch(`${server.url}/graphiql/graphiql.js`)).text()).toContain('GraphiQL');
  });

  it.each(['unknown.js', '..%2Fpackage.json', 'react', 'constructor', '__proto__', 'toString'])('given an unknown asset (%s), then 404', async (file) => {
    const response = await fetch(`${server.url}/graphiql/${file}`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('"dependencies"');
  });

  it('given GET /graphql with a query, then the query runs instead of the page', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ processors { name } }')}`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { processors: unknown[] } };
    expect(body.data.processors.length).toBeGreaterThan(0);
  });
});

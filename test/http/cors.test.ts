import { loadConfig, ConfigError } from '../../src/config';
import { originMatcher } from '../../src/http/origins';
import { startServer, type TestServer } from '../setup/harness';

const WEB = 'http://localhost:5173';

let server: TestServer;
beforeAll(async () => { server = await startServer({ CORS_ORIGINS: `${WEB},https://*.aimex.example` }); });
afterAll(async () => { await server.close(); });

const preflight = (origin: string, headers = 'content-type,authorization') => fetch(`${server.url}/graphql`, {
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
});

describe('CORS on /graphql', () => {
  it('given an allowed origin, then the preflight passes (not the CSRF guard\'s 400) with credentials, headers and max-age', async () => {
    const response = await preflight(WEB);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(WEB);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect(response.headers.get('access-control-allow-headers')).toContain('apollo-require-preflight');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('given a wildcard subdomain entry, then a matching origin is allowed and its lookalike is not', async () => {
    expect((await preflight('https://app.aimex.example')).headers.get('access-control-allow-origin')).toBe('https://app.aimex.example');
    const lookalike = await preflight('https://app.aimex.example.evil.test');
    expect(lookalike.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('given an origin not on the list, then no CORS header and no preflight answer', async () => {
    const response = await preflight('https://evil.example');
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const post = await server.raw({ query: '{ processors { name } }' }, { headers: { origin: 'https://evil.example' } });
    expect(post.status).toBe(200); // a server-to-server caller still works; the browser just cannot read it
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('given an allowed origin, then the JSON request is answered with the origin and the exposed headers', async () => {
    const response = await server.raw({ query: '{ processors { name } }' }, { headers: { origin: WEB } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(WEB);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after');
  });

  it('given a simple cross-origin request (text/plain, or GET without a preflight header), then the CSRF guard still refuses it', async () => {
    const plain = await server.raw(JSON.stringify({ query: '{ processors { name } }' }), { headers: { origin: WEB, 'content-type': 'text/plain' } });
    expect(plain.status).toBe(400);
    expect(plain.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ processors { name } }')}`, { headers: { origin: WEB } });
    expect(get.status).toBe(400);
    const getWithHeader = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ processors { name } }')}`, {
      headers: { origin: WEB, 'apollo-require-preflight': 'true' },
    });
    expect(getWithHeader.status).toBe(200);
    expect(getWithHeader.headers.get('access-control-allow-origin')).toBe(WEB);
  });
});

describe('the bucket CORS of the local S3 server (same origins)', () => {
  it('given a browser on an allowed development origin, then S3 answers the PUT preflight of a pre-signed URL', async () => {
    // The test S3 server was started by the global setup with the development default origins.
    const url = await server.app.storage.presignPut('cors-probe/object.txt', 60, 'text/csv');
    const response = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: WEB, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
    const put = await fetch(url, { method: 'PUT', headers: { origin: WEB, 'content-type': 'text/csv' }, body: 'a,b\n' });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe(WEB);
    await server.app.storage.delete('cors-probe/object.txt');
  });

  it('given an origin not allowed, then S3 refuses the preflight', async () => {
    const url = await server.app.storage.presignPut('cors-probe/other.txt', 60);
    const response = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' } });
    expect(response.status).toBe(403);
  });
});

describe('CORS_ORIGINS', () => {
  it('defaults to none in production and to the local GraphiQL and localhost:* in development', () => {
    const production = {
      NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
      BLIND_INDEX_KEY: Buffer.alloc(32, 2).toString('base64'), S3_SECRET_ACCESS_KEY: 's', DATABASE_URL: 'postgresql://x/y',
      REDIS_URL: 'redis://x', S3_ENDPOINT: 'http://s3', S3_ACCESS_KEY_ID: 'k',
    };
    expect(loadConfig(production).cors.origins).toEqual([]);
    const development = loadConfig({ NODE_ENV: 'development', PORT: '4000' }).cors.origins;
    expect(development).toEqual(['http://127.0.0.1:4000', 'http://localhost:4000', 'http://localhost:*']);
    expect(loadConfig({ NODE_ENV: 'development', CORS_ORIGINS: '' }).cors.origins).toEqual([]);
  });

  it('refuses a bare * and anything that is not an origin', () => {
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(/CORS_ORIGINS/);
  });

  it('matches exact origins, a port wildcard and one leading subdomain label', () => {
    const allowed = originMatcher(['http://localhost:*', 'https://*.example.com', 'https://app.test']);
    expect(['http://localhost:3000', 'http://localhost', 'https://a.example.com', 'https://app.test'].every(allowed)).toBe(true);
    expect(['http://localhost.evil:3000', 'https://example.com', 'https://a.b.example.com', 'http://app.test', 'https://app.test:8443'].some(allowed)).toBe(false);
  });
});

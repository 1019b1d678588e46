import { MeDocument } from '../__generated__/typed-documents';
import { captureLog, freePort } from '../setup/capture';
import { startServer, type TestServer } from '../setup/harness';

const captured = captureLog('info');

let server: TestServer;
beforeAll(async () => { server = await startServer({}, { log: captured.log }); });
afterAll(async () => { await server.close(); });

const scrape = async (url: string) => {
  const response = await fetch(`${url}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
};

describe('GET /metrics (Prometheus)', () => {
  it('given traffic, then HTTP and GraphQL latency by operation, errors by code, queues, outbox, data-subject requests, retention and the access-log chain', async () => {
    await server.raw({ query: 'query ObservedProcessors { processors { name } }', operationName: 'ObservedProcessors' });
    await server.gql(MeDocument, {}); // anonymous: UNAUTHENTICATED
    const first = await scrape(server.url);
    expect(first.status).toBe(200);
    expect(first.type).toContain('text/plain');
    const body = first.body;
    expect(body).toMatch(/aimex_http_request_duration_seconds_count\{method="POST",route="\/graphql",status_code="200"\} \d+/);
    expect(body).toMatch(/aimex_graphql_operation_duration_seconds_count\{operation="ObservedProcessors",operation_type="query"\} 1/);
    expect(body).toMatch(/aimex_graphql_errors_total\{code="UNAUTHENTICATED",operation="Me"\} 1/);
    for (const queue of ['maintenance', 'dataset-validation', 'training', 'purge', 'data-subject-requests']) {
      expect(body).toMatch(new RegExp(`aimex_queue_jobs\\{queue="${queue}",state="waiting"\\} \\d+`));
      expect(body).toMatch(new RegExp(`aimex_queue_jobs\\{queue="${queue}",state="failed"\\} \\d+`));
    }
    expect(body).toMatch(/aimex_outbox_pending \d+/);
    expect(body).toMatch(/aimex_outbox_lag_seconds [\d.e+-]+/);
    expect(body).toMatch(/aimex_dsr_overdue \d+/);
    expect(body).toMatch(/aimex_retention_last_purge_age_seconds [\d.e+-]+/);
    // The chain is verified in the background, off the scrape's clock.
    let chain = '';
    for (let i = 0; i < 100 && !/aimex_access_log_chain_valid 1/.test(chain); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      chain = (await scrape(server.url)).body;
    }
    expect(chain).toMatch(/aimex_access_log_chain_valid 1/);
    expect(chain).toMatch(/aimex_retention_expired_records\{category="[A-Z_]+"\} \d+/);
  });

  it('given a client naming operations without end, then the operation label stays bounded', async () => {
    for (let i = 0; i < 5; i += 1) await server.raw({ query: `query Odd${i} { processors { name } }` });
    await server.raw({ query: 'query { processors { name } }' });
    const body = (await scrape(server.url)).body;
    expect(body).toMatch(/operation="anonymous"/);
    expect(body).not.toMatch(/operation="[^"]*[^_0-9A-Za-z"][^"]*"/);
  });

  it('given METRICS_PORT, then /metrics moves to a port of its own', async () => {
    const port = await freePort();
    const own = await startServer({ METRICS_PORT: String(port) });
    try {
      expect((await scrape(own.url)).status).toBe(404);
      const moved = await scrape(`http://127.0.0.1:${port}`);
      expect(moved.status).toBe(200);
      expect(moved.body).toContain('aimex_queue_jobs');
    } finally {
      await own.close();
    }
  });
});

describe('request ids and the request log', () => {
  it('given a well-formed x-request-id, then it is kept; given anything else, then a fresh one', async () => {
    const kept = await server.raw({ query: '{ processors { name } }' }, { headers: { 'x-request-id': 'edge-3f2a9c71.trace' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-3f2a9c71.trace');
    const replaced = await server.raw({ query: '{ processors { name } }' }, { headers: { 'x-request-id': 'no spaces <script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('given a request, then exactly one line with method, route, status, duration and operation, never the query string', async () => {
    const id = 'log-line-test-0001';
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('query LoggedOne { processors { name } }')}&secret=hunter2`, {
      headers: { 'x-request-id': id, 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const mine = captured.records().filter((line) => line.requestId === id);
    expect(mine).toEqual([expect.objectContaining({ msg: 'request', method: 'GET', route: '/graphql', status: 200, operation: 'LoggedOne', viewer: 'anonymous', errors: 0, ms: expect.any(Number) })]);
    expect(JSON.stringify(mine)).not.toContain('hunter2');
  });
});

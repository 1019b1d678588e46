import type { ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SignUpDocument } from '../__generated__/typed-documents';
import { signUpInput } from '../factories/accounts';
import { spawnApi } from '../faults/support';
import { freePort } from '../setup/capture';

// The real entry point (src/main.ts) in a child process, as `npm start` runs it: traces to an OTLP
// collector, then a SIGTERM with requests in flight.


const spans: { traceId: string; parentSpanId?: string; name: string; attributes: { key: string }[] }[] = [];
let collector: Server;
let child: ChildProcess;
let api = '';
let exit: Promise<number | null>;

const readBody = (request: IncomingMessage) => new Promise<string>((resolve) => {
  let body = '';
  request.on('data', (chunk) => { body += chunk; });
  request.on('end', () => resolve(body));
});

beforeAll(async () => {
  collector = createHttpServer(async (request, response) => {
    const body = await readBody(request);
    if (request.url === '/v1/traces') {
      for (const resource of JSON.parse(body).resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const collectorPort = await freePort();
  await new Promise<void>((resolve) => collector.listen(collectorPort, '127.0.0.1', resolve));
  const started = await spawnApi({
    LOG_LEVEL: 'silent', SHUTDOWN_DRAIN_MS: '1000',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'aimex-test',
  });
  child = started.child;
  api = started.url;
  exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}, 60_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise<void>((resolve) => collector.close(() => resolve()));
});

const graphql = (body: object, headers: Record<string, string> = {}) =>
  fetch(`${api}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('the server process', () => {
  it('given an OTLP endpoint and a traceparent, then the request\'s spans (http, fastify, graphql, pg) continue the caller\'s trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await graphql({ query: '{ processors { name } }' }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(response.status).toBe(200);
    for (let i = 0; i < 100 && !spans.some((s) => s.traceId === traceId && /^pg\.|^select|postgres/i.test(s.name)); i += 1) await new Promise((r) => setTimeout(r, 100));
    const ours = spans.filter((s) => s.traceId === traceId);
    const names = ours.map((s) => s.name);
    expect(names.some((n) => /^POST/.test(n))).toBe(true); // http
    expect(names.some((n) => /graphql/i.test(n))).toBe(true); // graphql
    expect(names.some((n) => /^pg\.|select|postgres/i.test(n))).toBe(true); // pg
    expect(ours.some((s) => s.parentSpanId === '00f067aa0ba902b7')).toBe(true);
    // No statement values or variables reach the traces.
    expect(JSON.stringify(ours)).not.toContain('db.statement.parameters');
  });

  it('given SIGTERM, then /ready is 503 at once, sockets close with 1012, requests in flight finish, and the process exits 0', async () => {
    const input = signUpInput();
    const signedUp = await (await graphql({ query: print(SignUpDocument), variables: { input } })).json() as { data: { signUp: { accessToken: string } } };
    const closed: number[] = [];
    let connected!: () => void;
    const isConnected = new Promise<void>((resolve) => { connected = resolve; });
    const client = createClient({
      url: `${api.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${signedUp.data.signUp.accessToken}` },
      on: { closed: (event) => closed.push((event as { code: number }).code), connected: () => connected() }, onNonLazyError: () => undefined,
    });
    await isConnected;

    // In flight when the signal comes: each signUp hashes a password (a few at a time on the thread pool).
    const inFlight = Promise.all(Array.from({ length: 16 }, async () => {
      const response = await graphql({ query: print(SignUpDocument), variables: { input: signUpInput() } });
      return { status: response.status, ok: Boolean(((await response.json()) as { data?: { signUp?: unknown } }).data?.signUp) };
    }));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    // The first probe after the signal, while the requests are still being served.
    expect((await fetch(`${api}/ready`)).status).toBe(503);
    for (let i = 0; i < 50 && closed.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toEqual([1012]);
    expect(await inFlight).toEqual(Array.from({ length: 16 }, () => ({ status: 200, ok: true })));
    expect(await exit).toBe(0);
    await client.dispose();
  }, 30_000);
});

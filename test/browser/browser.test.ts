import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import { createStaff, PASSWORD, signUpEnterprise, signUpMember } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

// A real browser (Debian's Chromium, driven by playwright-core; .ci/run installs it): one launch for the file.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const SKIP_REASON = 'skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium)';
if (!CHROMIUM && process.env.CI) {
  test('Chromium is installed in CI', () => {
    throw new Error('CI installs Chromium in .ci/run, but /usr/bin/chromium is missing');
  });
}
if (!CHROMIUM && !process.env.CI) console.warn(`Browser tests ${SKIP_REASON}.`);

let server: TestServer;
let worker: RunningWorker;
let browser: Browser;
let site: Server;
let siteOrigin = '';

/** The web client on another origin (http://localhost:<port>; the API is on 127.0.0.1). */
const CLIENT_PAGE = `<!doctype html><meta charset="utf-8"><title>client</title><script src="/graphql-ws.js"></script>
<script>
window.run = async (api, email, password) => {
  const log = [];
  const gql = async (query, variables, token) => {
    const response = await fetch(api + '/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(body.errors[0].extensions.code + ': ' + body.errors[0].message);
    log.push('request-id ' + (response.headers.get('x-request-id') ? 'visible' : 'hidden'));
    return body.data;
  };
  const signedIn = (await gql('mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken } }', { e: email, p: password })).signIn;
  const token = signedIn.accessToken;
  const me = (await gql('{ me { id role organization { id } } }', {}, token)).me;
  log.push('me ' + me.role);
  const file = 'question,answer\\n"안녕하세요?","반가워요!"\\n"오늘 뭐 해요?","산책해요."\\n';
  const bytes = new TextEncoder().encode(file);
  const created = (await gql('mutation($input: CreateDatasetInput!) { createDataset(input: $input) { uploadUrl dataset { id status } } }',
    { input: { organizationId: me.organization.id, name: 'browser upload', kind: 'QA_CONVERSATION', format: 'CSV', sizeBytes: bytes.length } }, token)).createDataset;
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: bytes });
  log.push('upload ' + put.status);
  const statuses = [];
  const client = graphqlWs.createClient({ url: api.replace('http', 'ws') + '/graphql', connectionParams: { authorization: 'Bearer ' + token } });
  const done = new Promise((resolve, reject) => {
    client.subscribe({ query: 'subscription($id: ID!) { datasetUpdated(id: $id) { status recordCount } }', variables: { id: created.dataset.id } }, {
      next: ({ data, errors }) => {
        if (errors) return reject(new Error(errors[0].message));
        statuses.push(data.datasetUpdated.status);
        if (data.datasetUpdated.status === 'READY') resolve(data.datasetUpdated);
      },
      error: reject, complete: () => undefined,
    });
  });
  // Subscribed first, then the upload is completed: every step after it arrives over the socket.
  await new Promise((r) => setTimeout(r, 200));
  await gql('mutation($id: ID!) { completeDatasetUpload(id: $id) { status } }', { id: created.dataset.id }, token);
  const ready = await done;
  await client.dispose();
  return { log, statuses, ready };
};
</script>`;

beforeAll(async () => {
  if (!CHROMIUM) return;
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  const graphqlWs = readFileSync(join(__dirname, '..', '..', 'node_modules', 'graphql-ws', 'umd', 'graphql-ws.min.js'));
  site = createServer((request, response) => {
    if (request.url === '/graphql-ws.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(graphqlWs);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(CLIENT_PAGE);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 60_000);

afterAll(async () => {
  if (!CHROMIUM) return;
  await browser?.close();
  await new Promise<void>((resolve) => site.close(() => resolve()));
  await worker.close();
  await server.close();
});

(CHROMIUM ? describe : describe.skip)(`in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  it('given no network beyond the API, then GraphiQL loads from the server alone and runs a query', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const elsewhere: string[] = [];
    // Offline: anything not served by the API itself is refused (a CDN would fail here).
    await page.route('**/*', (route) => (route.request().url().startsWith(server.url) ? route.continue() : (elsewhere.push(route.request().url()), route.abort())));
    await page.goto(`${server.url}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    // GraphiQL's editor is CodeMirror: its own API sets the text (typing would fight the bracket auto-closing).
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    await page.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { CodeMirror: { setValue(v: string): void } } } })
      .document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ processors { name } }'));
    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.graphiql-response')?.textContent?.includes('Amazon Web Services'), undefined, { timeout: 20_000 });
    expect(elsewhere).toEqual([]);
    await context.close();
  }, 60_000);

  it('given a page on another origin, then it signs in, reads me, uploads a dataset to its pre-signed URL and follows its validation over the subscription', async () => {
    const owner = await signUpEnterprise(server);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${siteOrigin}/`);
    const result = await page.evaluate(([api, email, password]) => (globalThis as unknown as { run: (a: string, e: string, p: string) => Promise<unknown> }).run(api, email, password),
      [server.url, owner.email, PASSWORD] as const) as { log: string[]; statuses: string[]; ready: { status: string; recordCount: number } };
    expect(result.log).toContain('me ENTERPRISE');
    expect(result.log).toContain('upload 200');
    expect(result.log).not.toContain('request-id hidden');
    expect(result.ready).toEqual({ status: 'READY', recordCount: 2 });
    expect(result.statuses[0]).toBe('AWAITING_UPLOAD');
    expect(result.statuses).toContain('READY');
    await context.close();
  }, 60_000);

  it('given the queue console, then an ADMIN signs in and sees every queue; a MEMBER is refused', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    const member = await signUpMember(server);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/queues/`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/admin/queues/**`);
    for (const queue of ['dataset-validation', 'training', 'purge', 'maintenance', 'data-subject-requests']) {
      await page.getByText(queue, { exact: false }).first().waitFor({ timeout: 20_000 });
    }
    const cookies = await context.cookies(`${server.url}/admin/queues/`);
    expect(cookies.find((c) => c.name === 'aimex_console')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    await context.close();

    const refused = await browser.newContext();
    const memberPage = await refused.newPage();
    await memberPage.goto(`${server.url}/admin/sign-in`);
    await memberPage.fill('input[name=email]', member.email);
    await memberPage.fill('input[name=password]', PASSWORD);
    const [response] = await Promise.all([memberPage.waitForNavigation(), memberPage.click('button[type=submit]')]);
    expect(response?.status()).toBe(403);
    expect(await memberPage.textContent('body')).toContain('The queue console is for ADMIN accounts.');
    expect((await refused.cookies(`${server.url}/admin/queues/`)).find((c) => c.name === 'aimex_console')).toBeUndefined();
    await refused.close();
  }, 60_000);
});

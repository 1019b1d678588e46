import { Role } from '../../src/auth/roles';
import { createStaff, signUpMember, PASSWORD } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const form = (fields: Record<string, string>) => ({
  method: 'POST', redirect: 'manual' as const,
  headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
});
const signIn = (email: string, password = PASSWORD) => fetch(`${server.url}/admin/sign-in`, form({ email, password }));
const cookieFrom = (response: Response) => response.headers.get('set-cookie')?.split(';')[0] ?? '';

const consoleEntries = (userId: string) => server.app.orm.em.fork().execute<{ action: string; reason: string | null }[]>(
  `select action, reason from access_log where actor_id = ? and operation = 'queueConsoleSignIn' order by sequence`, [userId]);

describe('the queue console at /admin/queues', () => {
  it('given no sign-in, then the page sends the browser to the sign-in and the API answers 401', async () => {
    const page = await fetch(`${server.url}/admin/queues/`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/sign-in');
    expect((await fetch(`${server.url}/admin/queues/api/queues`)).status).toBe(401);
    expect((await fetch(`${server.url}/admin/sign-in`)).headers.get('content-type')).toContain('text/html');
  });

  it('given an ADMIN, then the sign-in sets an HttpOnly SameSite=Strict cookie, is access-logged, and the console lists every queue with ids only', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    const response = await signIn(admin.email);
    expect(response.status).toBe(303);
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^aimex_console=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/admin');
    expect((await consoleEntries(admin.userId)).map((e) => e.action)).toEqual(['SIGN_IN']);

    const cookie = cookieFrom(response);
    const page = await fetch(`${server.url}/admin/queues/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`${server.url}/admin/queues/api/queues?activeQueue=dataset-validation&status=latest&page=1&jobsPerPage=10`, { headers: { cookie } });
    expect(api.status).toBe(200);
    const body = await api.json() as { queues: { name: string; jobs: { data: Record<string, unknown> }[] }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['data-subject-requests', 'dataset-validation', 'maintenance', 'purge', 'training']);
    for (const queue of body.queues) for (const job of queue.jobs) for (const key of Object.keys(job.data)) expect(key).toMatch(/(^id$|Id$|Ids$|^task$|^dryRun$)/);

    // Signed out: the session ends and the cookie no longer opens anything.
    await fetch(`${server.url}/admin/sign-out`, { method: 'POST', redirect: 'manual', headers: { cookie } });
    expect((await fetch(`${server.url}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(401);
  });

  it('given a MEMBER (or a PRIVACY_OFFICER), then the sign-in is refused, logged, and the session it opened ends', async () => {
    const member = await signUpMember(server);
    const refused = await signIn(member.email);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect((await consoleEntries(member.userId)).map((e) => e.action)).toEqual(['SIGN_IN', 'SIGN_IN_FAILED']);
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    expect((await signIn(officer.email)).status).toBe(403);
    // A member's own access token in the cookie does not open the console either.
    const page = await fetch(`${server.url}/admin/queues/api/queues`, { headers: { cookie: `aimex_console=${member.token}` } });
    expect(page.status).toBe(403);
  });

  it('given a wrong password, then 401 with the sign-in page and a SIGN_IN_FAILED entry', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    const wrong = await signIn(admin.email, 'not-the-password-1');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Email or password is wrong');
    expect((await consoleEntries(admin.userId)).map((e) => e.action)).toEqual(['SIGN_IN_FAILED']);
  });
});

import { runCli } from '../../src/bin/cli';
import { AccountsWhoAmIDocument, SignInDocument, UsersDocument } from '../__generated__/typed-documents';
import { uniqueEmail } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { accessLogAbout, sql } from './support';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const STAFF_PASSWORD = 'Staff-password-2026';

// The CLI prepares and opens the database named in DATABASE_URL: the test env points it at this suite's database.
const createStaffArgs = (overrides: Record<string, string | null> = {}): { argv: string[]; email: string | null } => {
  const flags: Record<string, string | null> = {
    email: uniqueEmail('staff'), password: STAFF_PASSWORD, name: '김관리', phone: '010-2222-3333', role: 'ADMIN', ...overrides,
  };
  const argv = ['create-staff'];
  for (const [flag, value] of Object.entries(flags)) if (value !== null) argv.push(`--${flag}`, value);
  return { argv, email: flags.email };
};

describe('create-staff (command-line tool)', () => {
  it('given all flags and role ADMIN, then the account exists, signs in as ADMIN and may list users', async () => {
    const { argv, email } = createStaffArgs();

    const message = await runCli(argv, process.env);

    const [, userId] = /^created ADMIN ([0-9a-f-]{36})$/.exec(message) ?? [];
    expect(userId).toBeDefined();
    const signIn = await server.gql(SignInDocument, { email: email!, password: STAFF_PASSWORD });
    expect(signIn.errors).toBeUndefined();
    expect(signIn.data?.signIn.user).toEqual({ id: userId, role: 'ADMIN' });
    const token = signIn.data!.signIn.accessToken;
    expect((await server.gql(AccountsWhoAmIDocument, {}, { token })).data?.me).toEqual({ id: userId, role: 'ADMIN', status: 'ACTIVE' });
    expect((await server.gql(UsersDocument, { first: 1 }, { token })).errors).toBeUndefined();
  });

  it('given role ADMIN, then the grant is in the access log (UPDATE of role, by the tool)', async () => {
    const { argv } = createStaffArgs();
    const userId = (await runCli(argv, process.env)).split(' ').pop()!;

    const grants = (await accessLogAbout(server, userId)).filter((r) => r.action === 'UPDATE');

    expect(grants).toEqual([expect.objectContaining({
      subjectId: userId, fields: ['role'], operation: 'create-staff', actorId: null, reason: expect.stringContaining('ADMIN'),
    })]);
  });

  it('given role PRIVACY_OFFICER, then the account signs in with that role', async () => {
    const { argv, email } = createStaffArgs({ role: 'PRIVACY_OFFICER' });
    await expect(runCli(argv, process.env)).resolves.toMatch(/^created PRIVACY_OFFICER /);
    const signIn = await server.gql(SignInDocument, { email: email!, password: STAFF_PASSWORD });
    expect(signIn.data?.signIn.user.role).toBe('PRIVACY_OFFICER');
  });

  it.each(['email', 'password', 'name', 'phone', 'role'])('given no --%s, then it refuses and names the flag', async (flag) => {
    const { argv, email } = createStaffArgs({ [flag]: null });
    await expect(runCli(argv, process.env)).rejects.toThrow(`--${flag} is required`);
    if (email) expect(await countUsersWithEmail(email)).toBe(0);
  });

  it.each(['MEMBER', 'ENTERPRISE', 'ROOT'])('given role %s, then it refuses and creates nothing', async (role) => {
    const { argv, email } = createStaffArgs({ role });
    await expect(runCli(argv, process.env)).rejects.toThrow(/role must be ADMIN or PRIVACY_OFFICER/);
    expect(await countUsersWithEmail(email!)).toBe(0);
    expectError(await server.gql(SignInDocument, { email: email!, password: STAFF_PASSWORD }), 'UNAUTHENTICATED');
  });

  it('given a weak password, then it refuses and names the password', async () => {
    const { argv } = createStaffArgs({ password: 'short' });
    await expect(runCli(argv, process.env)).rejects.toThrow(/Password must have at least 10 characters/);
  });

  it('given an email already in use, then it refuses', async () => {
    const { argv } = createStaffArgs();
    await runCli(argv, process.env);
    await expect(runCli(argv, process.env)).rejects.toThrow(/already exists/);
  });

  it('given an unknown command, then it refuses with the usage', async () => {
    await expect(runCli(['make-me-admin'], process.env)).rejects.toThrow(/usage:/);
  });
});

/** Emails are stored encrypted; the keyed blind index is how an account is found by email. */
async function countUsersWithEmail(email: string): Promise<number> {
  const [row] = await sql<{ n: number }>(server, 'select count(*)::int as n from users where email_index = ?',
    [server.app.services.auth.emailIndex(email.toLowerCase())]);
  return row.n;
}

import { SignInDocument } from '../__generated__/typed-documents';
import { PASSWORD, signUpMember } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';
import { sql } from './support';
let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });
it('probe', async () => {
  const a = await signUpMember(server);
  const rs = await Promise.all(Array.from({ length: 10 }, () => server.gql(SignInDocument, { email: a.email, password: 'wrong-password-99' })));
  console.log(rs.map((r) => r.errors?.[0].extensions.code));
  console.log(await sql(server, 'select failed_sign_ins, locked_until from users where id = ?', [a.userId]));
  const ok = await server.gql(SignInDocument, { email: a.email, password: PASSWORD });
  console.log(ok.errors?.[0].extensions.code ?? 'SIGNED IN');
});

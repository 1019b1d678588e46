import { randomBytes } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import { runCli } from '../../src/bin/cli';
import { blindIndex } from '../../src/privacy/cipher';
import { SignInDocument, SignUpDocument } from '../__generated__/typed-documents';
import { createStaff, signUpInput, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

// Rotating BLIND_INDEX_KEY: look-ups try the previous key until
// `rotate-blind-index` has re-indexed every email under the new one.

const oldKey = Buffer.alloc(32, 11).toString('base64'); // the development default
const newKey = randomBytes(32).toString('base64');

let before: TestServer;
beforeAll(async () => { before = await startServer(); });
afterAll(async () => { await before.close(); });

const indexOf = async (server: TestServer, userId: string) =>
  (await server.app.orm.em.fork().execute<{ email_index: string }[]>('select email_index from users where id = ?', [userId]))[0].email_index;

describe('blind index rotation', () => {
  it('given a new key with the old one as previous, then accounts sign in before and after rotate-blind-index; afterwards the old key is not needed', async () => {
    const member = await signUpMember(before);
    const staff = await createStaff(before, Role.PRIVACY_OFFICER);
    expect(await indexOf(before, member.userId)).toBe(blindIndex(Buffer.from(oldKey, 'base64'), member.email));

    const during = await startServer({ BLIND_INDEX_KEY: newKey, BLIND_INDEX_KEY_PREVIOUS: oldKey });
    try {
      // Not yet re-indexed: found through the previous key, and its email is still taken.
      const signIn = await during.gql(SignInDocument, { email: member.email, password: member.password });
      expect(signIn.errors).toBeUndefined();
      expectError(await during.gql(SignUpDocument, { input: signUpInput({ email: member.email }) }), 'CONFLICT');

      const output = await runCli(['rotate-blind-index'], { ...process.env, BLIND_INDEX_KEY: newKey, BLIND_INDEX_KEY_PREVIOUS: oldKey });
      expect(output).toMatch(/^re-indexed \d+ emails/);
      expect(await indexOf(during, member.userId)).toBe(blindIndex(Buffer.from(newKey, 'base64'), member.email));
      expect(await indexOf(during, staff.userId)).toBe(blindIndex(Buffer.from(newKey, 'base64'), staff.email));
      // A second run finds nothing to do.
      expect(await runCli(['rotate-blind-index'], { ...process.env, BLIND_INDEX_KEY: newKey, BLIND_INDEX_KEY_PREVIOUS: oldKey })).toBe('re-indexed 0 emails under the current BLIND_INDEX_KEY');
    } finally {
      await during.close();
    }

    const after = await startServer({ BLIND_INDEX_KEY: newKey });
    try {
      const signIn = await after.gql(SignInDocument, { email: member.email, password: member.password });
      expect(signIn.errors).toBeUndefined();
      expect(signIn.data!.signIn.user.id).toBe(member.userId);
      expectError(await after.gql(SignUpDocument, { input: signUpInput({ email: member.email }) }), 'CONFLICT');
    } finally {
      // Put the suite back on the development key for the files that follow.
      await runCli(['rotate-blind-index'], { ...process.env, BLIND_INDEX_KEY: oldKey });
      await after.close();
    }
    expect(await indexOf(before, member.userId)).toBe(blindIndex(Buffer.from(oldKey, 'base64'), member.email));
  });

  it('given an account whose data key cannot be opened, then rotate-blind-index re-indexes the others, keeps its old index and names it', async () => {
    const damaged = await signUpMember(before);
    const healthy = await signUpMember(before);
    const em = before.app.orm.em.fork();
    const [{ wrapped_key: original }] = await em.execute<{ wrapped_key: Buffer }[]>('select wrapped_key from subject_keys where subject_id = ?', [damaged.userId]);
    const oldIndex = await indexOf(before, damaged.userId);
    await em.execute("update subject_keys set wrapped_key = decode(repeat('00', 60), 'hex') where subject_id = ?", [damaged.userId]);
    try {
      await expect(runCli(['rotate-blind-index'], { ...process.env, BLIND_INDEX_KEY: newKey, BLIND_INDEX_KEY_PREVIOUS: oldKey }))
        .rejects.toThrow(new RegExp(`^re-indexed [1-9]\\d* emails under the current BLIND_INDEX_KEY; 1 accounts kept their old index because their data key or email cannot be opened: ${damaged.userId}$`));
      expect(await indexOf(before, damaged.userId)).toBe(oldIndex);
      expect(await indexOf(before, healthy.userId)).toBe(blindIndex(Buffer.from(newKey, 'base64'), healthy.email));
    } finally {
      await em.execute('update subject_keys set wrapped_key = ? where subject_id = ?', [original, damaged.userId]);
      await runCli(['rotate-blind-index'], { ...process.env, BLIND_INDEX_KEY: oldKey });
    }
    expect(await indexOf(before, healthy.userId)).toBe(blindIndex(Buffer.from(oldKey, 'base64'), healthy.email));
  });
});

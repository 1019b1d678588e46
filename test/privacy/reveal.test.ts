import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { entryHash } from '../../src/privacy/access-log.service';
import { CreateApiKeyDocument, RevealPersonalDataDocument, UserByIdDocument, VerifyAccessLogDocument } from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

// SPEC 1 and 10: staff see personal data masked; revealPersonalData unmasks it
// for ADMIN and PRIVACY_OFFICER with a reason, and the reveal is access-logged.

let server: TestServer;
let db: Client;
let admin: Account;
let officer: Account;
let member: Account;

beforeAll(async () => {
  server = await startServer();
  db = new Client({ connectionString: server.app.config.databaseUrl });
  await db.connect();
  admin = await createStaff(server, Role.ADMIN);
  officer = await createStaff(server, Role.PRIVACY_OFFICER, '박보호');
  member = await signUpMember(server, { name: '홍길동', phone: '010-1234-5678' });
});
afterAll(async () => {
  await db.end();
  await server.close();
});

const headSequence = async () => (await db.query<{ sequence: number }>('select sequence from access_log_head where id = 1')).rows[0].sequence;

const reveal = (token: string | undefined, userId: string, fields: ('NAME' | 'EMAIL' | 'PHONE')[], reason: string, apiKey?: string) =>
  server.gql(RevealPersonalDataDocument, { userId, fields, reason }, { token, apiKey });

describe('revealPersonalData', () => {
  it('given an ADMIN with a reason, then name, email and phone come back unmasked with the REVEAL entry that records it', async () => {
    // Without a reveal the same admin sees masks.
    const masked = await server.gql(UserByIdDocument, { id: member.userId }, { token: admin.token });
    expect(masked.data?.user).toMatchObject({ name: '홍*동', phone: '010-****-5678', email: `${member.email[0]}***@example.com` });
    const before = await headSequence();

    const result = await reveal(admin.token, member.userId, ['NAME', 'EMAIL', 'PHONE'], '  고객 문의 #123 본인 확인  ');

    expect(result.errors).toBeUndefined();
    const revealed = result.data!.revealPersonalData;
    expect(revealed).toMatchObject({ userId: member.userId, name: '홍길동', email: member.email, phone: '010-1234-5678' });
    expect(revealed.accessLogEntry).toMatchObject({
      action: 'REVEAL', actorId: admin.userId, actorRole: 'ADMIN', subjectId: member.userId,
      fields: ['email', 'name', 'phone'], reason: '고객 문의 #123 본인 확인', sequence: before + 1,
    });
    expect(revealed.accessLogEntry.hash).toMatch(/^[0-9a-f]{64}$/);

    // The entry returned is the one stored, chained onto its predecessor.
    const { rows: [stored] } = await db.query(
      `select sequence, id, at, actor_id as "actorId", actor_role as "actorRole", action, subject_id as "subjectId", fields, operation,
              ip_address as "ipAddress", reason, previous_hash as "previousHash", hash from access_log where id = $1`,
      [revealed.accessLogEntry.id],
    );
    expect(stored).toMatchObject({ sequence: before + 1, actorId: admin.userId, action: 'REVEAL', reason: '고객 문의 #123 본인 확인', operation: 'RevealPersonalData', ipAddress: '127.0.0.1' });
    expect(stored.hash).toBe(revealed.accessLogEntry.hash);
    expect(entryHash(stored)).toBe(stored.hash);
    const { rows: [previous] } = await db.query('select hash from access_log where sequence = $1', [before]);
    expect(stored.previousHash).toBe(previous.hash);
    expect(await headSequence()).toBe(before + 1);
  });

  it('given a PRIVACY_OFFICER asking for the phone alone, then only the phone is revealed and logged', async () => {
    const result = await reveal(officer.token, member.userId, ['PHONE', 'PHONE'], '열람 청구 처리');
    expect(result.errors).toBeUndefined();
    expect(result.data?.revealPersonalData).toMatchObject({ userId: member.userId, name: null, email: null, phone: '010-1234-5678' });
    expect(result.data?.revealPersonalData.accessLogEntry).toMatchObject({
      action: 'REVEAL', actorId: officer.userId, actorRole: 'PRIVACY_OFFICER', subjectId: member.userId, fields: ['phone'], reason: '열람 청구 처리',
    });
  });

  it('given an enterprise user as subject, then staff reveal their data too (any user is revealable)', async () => {
    const enterprise = await signUpEnterprise(server, { name: '이사장', phone: '02-555-1234' });
    const result = await reveal(admin.token, enterprise.userId, ['NAME', 'PHONE'], 'support ticket 9');
    expect(result.errors).toBeUndefined();
    expect(result.data?.revealPersonalData).toMatchObject({ name: '이사장', phone: '02-555-1234', email: null });
  });

  it('given reveals, then the access-log chain still verifies', async () => {
    const verify = await server.gql(VerifyAccessLogDocument, {}, { token: officer.token });
    expect(verify.errors).toBeUndefined();
    expect(verify.data?.verifyAccessLog).toMatchObject({ valid: true, firstInvalidSequence: null, checkedEntries: await headSequence() });
  });

  describe('refusals write no entry', () => {
    let before: number;
    beforeEach(async () => { before = await headSequence(); });
    afterEach(async () => { expect(await headSequence()).toBe(before); });

    it.each([
      ['an empty reason', ''],
      ['a whitespace reason', ' \t\n '],
    ])('given %s, then BAD_USER_INPUT on reason and nothing is revealed', async (_label, reason) => {
      const result = await reveal(admin.token, member.userId, ['NAME'], reason);
      expectError(result, 'BAD_USER_INPUT', 'reason');
      expect(result.data).toBeNull();
    });

    it('given a reason over 500 characters, then BAD_USER_INPUT on reason', async () => {
      expectError(await reveal(admin.token, member.userId, ['NAME'], 'x'.repeat(501)), 'BAD_USER_INPUT', 'reason');
    });

    it('given no fields, then BAD_USER_INPUT on fields', async () => {
      const result = await reveal(officer.token, member.userId, [], 'a reason');
      expectError(result, 'BAD_USER_INPUT', 'fields');
      expect(result.data).toBeNull();
    });

    it('given an unknown field, then BAD_USER_INPUT (the enum refuses it)', async () => {
      const result = await reveal(admin.token, member.userId, ['ADDRESS' as never], 'a reason');
      expectError(result, 'BAD_USER_INPUT');
    });

    it.each([
      ['an unknown id', '00000000-0000-4000-8000-000000000000'],
      ['a malformed id', 'not-a-uuid'],
    ])('given %s, then NOT_FOUND', async (_label, id) => {
      const result = await reveal(admin.token, id, ['NAME'], 'a reason');
      expectError(result, 'NOT_FOUND');
      expect(result.data).toBeNull();
    });

    it('given a MEMBER revealing someone, then FORBIDDEN', async () => {
      const other = await signUpMember(server);
      before = await headSequence();
      const result = await reveal(other.token, member.userId, ['NAME', 'EMAIL', 'PHONE'], 'curious');
      expectError(result, 'FORBIDDEN');
      expect(result.data).toBeNull();
      // Not even for their own data: revealing is a staff tool.
      expectError(await reveal(member.token, member.userId, ['NAME'], 'me'), 'FORBIDDEN');
    });

    it('given an ENTERPRISE user revealing a colleague, then FORBIDDEN', async () => {
      const boss = await signUpEnterprise(server);
      before = await headSequence();
      expectError(await reveal(boss.token, member.userId, ['NAME'], 'hr'), 'FORBIDDEN');
    });

    it('given a partner API key, then FORBIDDEN', async () => {
      const enterprise = await signUpEnterprise(server);
      const key = await server.gql(CreateApiKeyDocument, { organizationId: enterprise.organizationId!, name: 'partner', scopes: ['MODELS_READ', 'CONTENT_GENERATE'] }, { token: enterprise.token });
      expect(key.errors).toBeUndefined();
      before = await headSequence();
      expectError(await reveal(undefined, member.userId, ['NAME'], 'partner', key.data!.createApiKey.secret), 'FORBIDDEN');
    });

    it('given no identity, then UNAUTHENTICATED', async () => {
      const result = await reveal(undefined, member.userId, ['NAME'], 'anonymous');
      expectError(result, 'UNAUTHENTICATED');
      expect(result.data).toBeNull();
    });
  });
});

import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { runCli } from '../../src/bin/cli';
import { loadConfig } from '../../src/config';
import { openOrm } from '../../src/db/orm';
import { blindIndex, open } from '../../src/privacy/cipher';
import { KeyRing, MasterKeys, SubjectKeyUnreadable } from '../../src/privacy/key-ring';
import { rotateMasterKey } from '../../src/privacy/key-rotation';
import { openPersonal } from '../../src/privacy/personal-data';
import { MeDocument, RevealPersonalDataDocument, UserByIdDocument, UsersDocument } from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';
import { scratchDatabase } from './scratch-database';

// SPEC 10: personal data at rest is AES-256-GCM under a key per subject, wrapped
// by the master key; erasing the key shreds the data; the master key rotates.

// The suite's master key (version 1): the development default unless the environment sets one.
const OLD_MASTER_KEY = loadConfig().masterKey.key.toString('base64');

let server: TestServer;
let db: Client;
let admin: Account;

beforeAll(async () => {
  server = await startServer();
  db = new Client({ connectionString: server.app.config.databaseUrl });
  await db.connect();
  admin = await createStaff(server, Role.ADMIN);
});
afterAll(async () => {
  await db.end();
  await server.close();
});

/** A profile no other row of the database can contain by chance. */
function uniqueProfile(label: string) {
  const tag = randomUUID().slice(0, 8);
  return {
    email: `${label}-${tag}@example.com`,
    name: `비밀${tag}`,
    phone: `010-${randomInt(1000, 10000)}-${randomInt(1000, 10000)}`,
    department: `부서${tag}`,
    jobTitle: `직함${tag}`,
    organizationName: `Org ${tag}`,
  };
}

/**
 * Every place a value could sit in plaintext: each table's rows as JSON text,
 * and each bytea column searched as bytes.
 */
async function findInDatabase(client: Client, needles: (string | Buffer)[]): Promise<string[]> {
  const hits: string[] = [];
  const { rows: tables } = await client.query<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
  );
  const { rows: byteaColumns } = await client.query<{ table_name: string; column_name: string }>(
    "select table_name, column_name from information_schema.columns where table_schema = 'public' and data_type = 'bytea'",
  );
  for (const { table_name: table } of tables) {
    const { rows } = await client.query<{ j: string }>(`select row_to_json(t)::text as j from "${table}" t`);
    for (const needle of needles.filter((n): n is string => typeof n === 'string')) {
      if (rows.some((r) => r.j.includes(needle))) hits.push(`${table} (text) contains ${needle}`);
    }
  }
  for (const { table_name: table, column_name: column } of byteaColumns) {
    const { rows } = await client.query<{ v: Buffer }>(`select "${column}" as v from "${table}" where "${column}" is not null`);
    for (const needle of needles) {
      const bytes = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle;
      if (rows.some((r) => r.v.includes(bytes))) hits.push(`${table}.${column} (bytes) contains ${typeof needle === 'string' ? needle : needle.toString('hex')}`);
    }
  }
  return hits;
}

async function rawUser(id: string) {
  const { rows } = await db.query('select * from users where id = $1', [id]);
  return rows[0] as Record<string, unknown> & { email_index: string; name_enc: Buffer; email_enc: Buffer; phone_enc: Buffer; department_enc: Buffer | null; job_title_enc: Buffer | null };
}

async function rawKey(client: Client, id: string) {
  const { rows } = await client.query('select subject_id as "subjectId", wrapped_key as "wrappedKey", key_version as "keyVersion", destroyed_at as "destroyedAt" from subject_keys where subject_id = $1', [id]);
  return rows[0] as { subjectId: string; wrappedKey: Buffer | null; keyVersion: number; destroyedAt: Date | null } | undefined;
}

describe('encryption at rest', () => {
  it('given an enterprise sign-up, when every table is dumped raw, then no name, email, phone, department or job title appears in plaintext', async () => {
    const p = uniqueProfile('enc');
    const account = await signUpEnterprise(server, p);
    await server.app.services.usage.flushVisits();

    const needles = [p.email, p.email.split('@')[0], p.name, p.phone, p.phone.replace(/-/g, ''), p.department, p.jobTitle];
    expect(await findInDatabase(db, needles)).toEqual([]);
    // Nor in Redis (rate-limit and lock keys).
    const redisKeys = await server.app.redis.keys('*');
    expect(redisKeys.filter((k) => needles.some((n) => k.includes(n)))).toEqual([]);

    // The scanner does find what is stored in plaintext (not personal) and ciphertext bytes: it is not blind.
    const row = await rawUser(account.userId);
    expect(await findInDatabase(db, [p.organizationName])).toEqual([`organizations (text) contains ${p.organizationName}`]);
    expect(await findInDatabase(db, [row.name_enc.subarray(0, 20)])).toEqual([`users.name_enc (bytes) contains ${row.name_enc.subarray(0, 20).toString('hex')}`]);
  });

  it('given a sign-up, then email_index is the keyed HMAC of the email and every profile column is a ciphertext under the subject key', async () => {
    const p = uniqueProfile('idx');
    const account = await signUpEnterprise(server, { ...p, email: p.email.toUpperCase() });
    const row = await rawUser(account.userId);

    // The blind index is of the normalised (lower-case) email, keyed: a plain SHA-256 would not match.
    expect(row.email_index).toBe(blindIndex(server.app.config.blindIndexKey, p.email));
    expect(row.email_index).not.toContain(p.email);
    expect(row.email_index).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row.email_index).not.toBe(blindIndex(Buffer.alloc(32), p.email));

    const key = await rawKey(db, account.userId);
    // [format 1][iv 12][tag 16][32-byte data key] = 61 bytes, under master key version 1.
    expect(key).toMatchObject({ keyVersion: 1, destroyedAt: null });
    expect(key!.wrappedKey).toHaveLength(61);
    expect(key!.wrappedKey![0]).toBe(1);
    expect(key!.wrappedKey!.includes(Buffer.alloc(32, 7))).toBe(false);

    const master = new MasterKeys(server.app.config);
    const dataKey = master.unwrap(key as never)!;
    expect(dataKey).toHaveLength(32);
    const expected: [string, Buffer, string][] = [
      ['nameEnc', row.name_enc, p.name], ['emailEnc', row.email_enc, p.email], ['phoneEnc', row.phone_enc, p.phone],
      ['departmentEnc', row.department_enc!, p.department], ['jobTitleEnc', row.job_title_enc!, p.jobTitle],
    ];
    for (const [property, sealed, plain] of expected) {
      expect(sealed[0]).toBe(1);
      expect(sealed).toHaveLength(1 + 12 + 16 + Buffer.byteLength(plain));
      expect(openPersonal(dataKey, 'User', property, account.userId, sealed)).toBe(plain);
    }
  });

  it('given two users with the same name, then their ciphertexts and wrapped keys differ (fresh IV and key per subject)', async () => {
    const a = await signUpMember(server, { name: '같은이름' });
    const b = await signUpMember(server, { name: '같은이름' });
    const [ra, rb] = [await rawUser(a.userId), await rawUser(b.userId)];
    expect(ra.name_enc.equals(rb.name_enc)).toBe(false);
    expect(ra.name_enc.subarray(1, 13).equals(rb.name_enc.subarray(1, 13))).toBe(false);
    const master = new MasterKeys(server.app.config);
    const [ka, kb] = [master.unwrap((await rawKey(db, a.userId)) as never)!, master.unwrap((await rawKey(db, b.userId)) as never)!];
    expect(ka.equals(kb)).toBe(false);
    // A's key does not open B's data.
    expect(() => openPersonal(ka, 'User', 'nameEnc', b.userId, rb.name_enc)).toThrow();
  });

  it('given a ciphertext moved to another row or column, then it fails to decrypt (AAD binding): the field errors with INTERNAL_SERVER_ERROR, nothing leaks', async () => {
    const a = await signUpMember(server, { name: '갑돌이', phone: '010-1111-2222' });
    const b = await signUpMember(server, { name: '을순이', phone: '010-3333-4444' });
    const [ra, rb] = [await rawUser(a.userId), await rawUser(b.userId)];
    try {
      // B's name ciphertext copied onto A's row: another subject's key and AAD.
      await db.query('update users set name_enc = $1 where id = $2', [rb.name_enc, a.userId]);
      // B's phone ciphertext moved into B's own name column: the right key, only the column in the AAD differs.
      await db.query('update users set name_enc = $1 where id = $2', [rb.phone_enc, b.userId]);

      const meA = await server.gql(MeDocument, {}, { token: a.token });
      expect(meA.data?.me?.name).toBeNull();
      expect(meA.data?.me?.phone).toBe('010-1111-2222');
      expect(meA.data?.me?.email).toBe(a.email);
      const error = expectError(meA, 'INTERNAL_SERVER_ERROR');
      expect(meA.errors).toHaveLength(1);
      expect(error.path).toEqual(['me', 'name']);
      expect(error.message).toBe('Something went wrong on our side. Try again later.');
      expect(JSON.stringify(meA)).not.toContain('을순이');

      const staffB = await server.gql(UserByIdDocument, { id: b.userId }, { token: admin.token });
      expect(staffB.data?.user?.name).toBeNull();
      expect(staffB.data?.user?.phone).toBe('010-****-4444');
      expect(expectError(staffB, 'INTERNAL_SERVER_ERROR').path).toEqual(['user', 'name']);
      expect(JSON.stringify(staffB)).not.toContain('3333');

      // The same key opens the ciphertext under its own column only.
      const keyB = new MasterKeys(server.app.config).unwrap((await rawKey(db, b.userId)) as never)!;
      expect(() => openPersonal(keyB, 'User', 'nameEnc', b.userId, rb.phone_enc)).toThrow('Unsupported state or unable to authenticate data');
      expect(openPersonal(keyB, 'User', 'phoneEnc', b.userId, rb.phone_enc)).toBe('010-3333-4444');
      // And under its own subject only (the id is in the AAD too).
      expect(() => openPersonal(keyB, 'User', 'phoneEnc', a.userId, rb.phone_enc)).toThrow();
    } finally {
      await db.query('update users set name_enc = $1 where id = $2', [ra.name_enc, a.userId]);
      await db.query('update users set name_enc = $1 where id = $2', [rb.name_enc, b.userId]);
    }
    const restored = await server.gql(MeDocument, {}, { token: a.token });
    expect(restored.errors).toBeUndefined();
    expect(restored.data?.me?.name).toBe('갑돌이');
  });
});

describe('crypto-shredding', () => {
  it("given a subject's key destroyed, then their encrypted values read as null everywhere while the ciphertext stays, and another user is unaffected", async () => {
    const p = uniqueProfile('shred');
    const doomed = await signUpEnterprise(server, p);
    const other = await signUpEnterprise(server, { ...uniqueProfile('keep'), name: p.name });
    const before = await rawUser(doomed.userId);
    const keyBefore = await rawKey(db, doomed.userId);
    const dataKey = new MasterKeys(server.app.config).unwrap(keyBefore as never)!;

    await new KeyRing(server.app.orm.em.fork(), server.app.services.master).destroy(doomed.userId);

    // The subject's own view: the account exists, the personal values are gone.
    const me = await server.gql(MeDocument, {}, { token: doomed.token });
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toMatchObject({ id: doomed.userId, name: null, email: null, phone: null, department: null, jobTitle: null, profileImageUrl: null });

    // Staff: null, not a mask of something.
    const staff = await server.gql(UserByIdDocument, { id: doomed.userId }, { token: admin.token });
    expect(staff.errors).toBeUndefined();
    expect(staff.data?.user).toMatchObject({ id: doomed.userId, name: null, email: null, phone: null, department: null, jobTitle: null });
    const reveal = await server.gql(RevealPersonalDataDocument, { userId: doomed.userId, fields: ['NAME', 'EMAIL', 'PHONE'], reason: 'shredding check' }, { token: admin.token });
    expect(reveal.errors).toBeUndefined();
    expect(reveal.data?.revealPersonalData).toMatchObject({ userId: doomed.userId, name: null, email: null, phone: null });

    // The ciphertext is still on disk (as in a backup), but the wrapped key is gone.
    const after = await rawUser(doomed.userId);
    for (const column of ['name_enc', 'email_enc', 'phone_enc', 'department_enc', 'job_title_enc'] as const) {
      expect(Buffer.isBuffer(after[column])).toBe(true);
      expect((after[column] as Buffer).equals(before[column] as Buffer)).toBe(true);
    }
    const keyAfter = await rawKey(db, doomed.userId);
    expect(keyAfter?.wrappedKey).toBeNull();
    expect(keyAfter?.destroyedAt).toBeInstanceOf(Date);
    expect(new MasterKeys(server.app.config).unwrap(keyAfter as never)).toBeNull();
    // Only the destroyed key could open it (it did, before): no other key in the system does.
    expect(openPersonal(dataKey, 'User', 'nameEnc', doomed.userId, after.name_enc)).toBe(p.name);
    const otherKey = new MasterKeys(server.app.config).unwrap((await rawKey(db, other.userId)) as never)!;
    expect(() => openPersonal(otherKey, 'User', 'nameEnc', doomed.userId, after.name_enc)).toThrow();
    expect(() => open(otherKey, after.name_enc, `User.nameEnc:${doomed.userId}`)).toThrow();

    // The other subject, same name, is unaffected.
    const otherMe = await server.gql(MeDocument, {}, { token: other.token });
    expect(otherMe.errors).toBeUndefined();
    expect(otherMe.data?.me).toMatchObject({ name: p.name, email: other.email });
    const otherStaff = await server.gql(UserByIdDocument, { id: other.userId }, { token: admin.token });
    expect(otherStaff.data?.user?.name).toBe(`${[...p.name][0]}${'*'.repeat([...p.name].length - 2)}${[...p.name].at(-1)}`);
  });
});

describe('batched key unwrapping', () => {
  it('given a staff users(first: 20) page selecting name, email and phone, then the request reads subject_keys once', async () => {
    for (let i = 0; i < 20; i += 1) await signUpMember(server);
    const knex = server.app.orm.em.getConnection().getKnex();
    const statements: string[] = [];
    const listener = (query: { sql: string }) => { statements.push(query.sql); };
    knex.on('query', listener);
    try {
      const page = await server.gql(UsersDocument, { first: 20, filter: { role: 'MEMBER', status: 'ACTIVE' } }, { token: admin.token });
      expect(page.errors).toBeUndefined();
      const nodes = page.data!.users.edges.map((e) => e.node);
      expect(new Set(nodes.map((n) => n.id)).size).toBe(20);
      // Decrypted and masked (a subject whose key another suite shredded reads null).
      expect(nodes.every((n) => n.email === null || /^.\*\*\*@/.test(n.email))).toBe(true);
      expect(nodes.filter((n) => n.email !== null).length).toBeGreaterThan(0);
    } finally {
      knex.removeListener('query', listener);
    }
    const keyReads = statements.filter((sql) => /from\s+"?subject_keys"?/i.test(sql));
    expect(keyReads).toHaveLength(1);
    // And the twenty READ entries are one append (one head lock), not twenty.
    expect(statements.filter((sql) => /from access_log_head/i.test(sql))).toHaveLength(1);
  });

  it('given a users page with a subject whose key does not open, then that subject\'s personal fields error and the page still answers', async () => {
    const damaged = await signUpEnterprise(server);
    const em = server.app.orm.em.fork();
    const [{ wrapped_key: original }] = await em.execute<{ wrapped_key: Buffer }[]>('select wrapped_key from subject_keys where subject_id = ?', [damaged.userId]);
    await em.execute("update subject_keys set wrapped_key = decode(repeat('00', 60), 'hex') where subject_id = ?", [damaged.userId]);
    try {
      const page = await server.gql(UsersDocument, { first: 10, filter: { organizationId: damaged.organizationId } }, { token: admin.token });
      expect(page.data?.users.edges.map((e) => e.node.id)).toEqual([damaged.userId]);
      expect(page.data?.users.edges[0].node.name).toBeNull();
      expect(expectError(page, 'INTERNAL_SERVER_ERROR').path).toEqual(['users', 'edges', 0, 'node', 'name']);
      expect(JSON.stringify(page)).not.toContain(damaged.email);
    } finally {
      await em.execute('update subject_keys set wrapped_key = ? where subject_id = ?', [original, damaged.userId]);
    }
    // Restored, the same page reads the subject again (nothing of the failure was kept).
    const again = await server.gql(UsersDocument, { first: 10, filter: { organizationId: damaged.organizationId } }, { token: admin.token });
    expect(again.errors).toBeUndefined();
    expect(again.data?.users.edges[0].node.email).toMatch(/\*\*\*@/);
  });

  it('given a wrapped key that does not open, then that subject reads SubjectKeyUnreadable and its batch neighbours their keys; a failing database is not mistaken for it', async () => {
    const damaged = await signUpMember(server);
    const healthy = await signUpMember(server);
    const em = server.app.orm.em.fork();
    const [{ wrapped_key: original }] = await em.execute<{ wrapped_key: Buffer }[]>('select wrapped_key from subject_keys where subject_id = ?', [damaged.userId]);
    await em.execute("update subject_keys set wrapped_key = decode(repeat('00', 60), 'hex') where subject_id = ?", [damaged.userId]);
    try {
      const ring = new KeyRing(server.app.orm.em.fork(), server.app.services.master);
      const [bad, good] = await Promise.allSettled([ring.get(damaged.userId), ring.get(healthy.userId)]);
      expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(SubjectKeyUnreadable);
      expect(good.status === 'fulfilled' && good.value?.length).toBe(32);
    } finally {
      await em.execute('update subject_keys set wrapped_key = ? where subject_id = ?', [original, damaged.userId]);
    }
    const closed = await openOrm(loadConfig());
    await closed.close(true);
    const failing = new KeyRing(closed.em.fork(), server.app.services.master);
    const error = await failing.get(healthy.userId).then(() => null, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SubjectKeyUnreadable);
  });
});

describe('master key rotation', () => {
  const scratch = scratchDatabase('keys');
  const newKey = randomBytes(32).toString('base64');
  const newestKey = randomBytes(32).toString('base64');
  const oldEnv = { DATABASE_URL: scratch.url };
  const rotatedEnv = { DATABASE_URL: scratch.url, MASTER_KEY: newKey, MASTER_KEY_VERSION: '2', MASTER_KEYS_RETIRED: `1:${OLD_MASTER_KEY}` };
  const onlyNewEnv = { DATABASE_URL: scratch.url, MASTER_KEY: newKey, MASTER_KEY_VERSION: '2' };

  let rotationDb: Client;
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    const s = await startServer(env);
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    // A database of its own: rotating the shared test database would strand every other suite's keys.
    await scratch.prepare();
    rotationDb = new Client({ connectionString: scratch.url });
    await rotationDb.connect();
  }, 60000);
  afterAll(async () => {
    for (const s of servers) await s.close();
    await rotationDb?.end();
    await scratch.drop();
  });

  it('given keys under master key 1, when rotated to 2, then data still decrypts with or without the retired key, and rotating again does nothing', async () => {
    const oldServer = await start(oldEnv);
    const keeper = await signUpMember(oldServer, { name: '회전키', phone: '010-2468-1357' });
    const shredded = await signUpMember(oldServer);
    await new KeyRing(oldServer.app.orm.em.fork(), oldServer.app.services.master).destroy(shredded.userId);
    const { rows: [{ live }] } = await rotationDb.query<{ live: number }>('select count(*)::int as live from subject_keys where wrapped_key is not null');
    expect(live).toBeGreaterThanOrEqual(1);
    const wrappedBefore = (await rawKey(rotationDb, keeper.userId))!.wrappedKey!;
    const nameBefore = (await rotationDb.query('select name_enc from users where id = $1', [keeper.userId])).rows[0].name_enc as Buffer;

    const config = loadConfig({ ...process.env, ...rotatedEnv });
    const orm = await openOrm(config);
    try {
      expect(await rotateMasterKey(orm.em.fork(), new MasterKeys(config))).toBe(live);
      expect(await rotateMasterKey(orm.em.fork(), new MasterKeys(config))).toBe(0);
    } finally {
      await orm.close(true);
    }

    const { rows } = await rotationDb.query<{ version: number; destroyed: boolean; n: number }>(
      'select key_version as version, wrapped_key is null as destroyed, count(*)::int as n from subject_keys group by 1, 2 order by 1, 2',
    );
    // Live keys moved to version 2; the destroyed key stays destroyed (nothing to re-wrap).
    expect(rows).toEqual([{ version: 1, destroyed: true, n: 1 }, { version: 2, destroyed: false, n: live }]);
    const wrappedAfter = (await rawKey(rotationDb, keeper.userId))!.wrappedKey!;
    expect(wrappedAfter.equals(wrappedBefore)).toBe(false);
    // Only the small wrapped keys change; the data is untouched.
    expect(((await rotationDb.query('select name_enc from users where id = $1', [keeper.userId])).rows[0].name_enc as Buffer).equals(nameBefore)).toBe(true);

    // A server with the new key and the retired one reads the data.
    const rotated = await start(rotatedEnv);
    const viaRotated = await rotated.gql(MeDocument, {}, { token: keeper.token });
    expect(viaRotated.errors).toBeUndefined();
    expect(viaRotated.data?.me).toMatchObject({ name: '회전키', phone: '010-2468-1357', email: keeper.email });

    // So does a server that no longer has the old key at all.
    const onlyNew = await start(onlyNewEnv);
    const viaOnlyNew = await onlyNew.gql(MeDocument, {}, { token: keeper.token });
    expect(viaOnlyNew.errors).toBeUndefined();
    expect(viaOnlyNew.data?.me?.name).toBe('회전키');
    // New subjects get keys under the current version.
    const fresh = await signUpMember(onlyNew, { name: '새키' });
    expect((await rawKey(rotationDb, fresh.userId))?.keyVersion).toBe(2);

    // A server still on the old master key alone cannot unwrap version-2 keys: the error is generic.
    const stale = await oldServer.gql(MeDocument, {}, { token: keeper.token });
    expect(stale.data?.me?.name ?? null).toBeNull();
    const error = expectError(stale, 'INTERNAL_SERVER_ERROR');
    expect(error.message).not.toMatch(/master key/i);
  });

  it('given the CLI, when rotate-master-key runs with a version-3 key, then every live key is re-wrapped and opens with key 3 alone', async () => {
    const env = {
      ...process.env, DATABASE_URL: scratch.url, MASTER_KEY: newestKey, MASTER_KEY_VERSION: '3',
      MASTER_KEYS_RETIRED: `1:${OLD_MASTER_KEY},2:${newKey}`,
    };
    const { rows: [{ live }] } = await rotationDb.query<{ live: number }>('select count(*)::int as live from subject_keys where wrapped_key is not null');
    expect(await runCli(['rotate-master-key'], env)).toBe(`re-wrapped ${live} data keys under master key version 3`);
    expect(await runCli(['rotate-master-key'], env)).toBe('re-wrapped 0 data keys under master key version 3');

    const onlyNewest = new MasterKeys(loadConfig({ ...process.env, MASTER_KEY: newestKey, MASTER_KEY_VERSION: '3' }));
    const { rows } = await rotationDb.query(
      `select k.subject_id as "subjectId", k.wrapped_key as "wrappedKey", k.key_version as "keyVersion", u.name_enc as "nameEnc"
       from subject_keys k join users u on u.id = k.subject_id where k.wrapped_key is not null`,
    );
    expect(rows).toHaveLength(live);
    for (const row of rows) {
      expect(row.keyVersion).toBe(3);
      expect(openPersonal(onlyNewest.unwrap(row), 'User', 'nameEnc', row.subjectId, row.nameEnc)).toEqual(expect.any(String));
    }
    // The previous master key alone no longer opens anything.
    expect(() => new MasterKeys(loadConfig({ ...process.env, MASTER_KEY: newKey, MASTER_KEY_VERSION: '2' })).unwrap(rows[0])).toThrow('Master key version 3 is not configured');
    await expect(runCli(['no-such-command'], env)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

// The baseline for npm run bench: fastify + pg running, for each benchmarked
// request, the same SQL statements the API issues (captured with MikroORM's
// query debug), the same JWT verification (jose, HS256, issuer and audience),
// the same AES-256-GCM unwrap and decrypt, masking and hash-chained access-log
// append, and answering with a byte-identical JSON body; without GraphQL,
// shield, DataLoader or the ORM. Forked by test/bench/run.ts; reports its port
// over IPC. Not a test and not part of the app.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import { importHmacKey } from '../../src/auth/tokens';
import { Pool, type PoolClient } from 'pg';
import { loadConfig } from '../../src/config';
import { entryHash } from '../../src/privacy/access-log.service';
import { open } from '../../src/privacy/cipher';
import { maskEmail, maskName, maskPhone } from '../../src/privacy/masking';

const config = loadConfig();
// The API's MikroORM pool is { min: 0, max: 10 }.
const pool = new Pool({ connectionString: config.databaseUrl, min: 0, max: 10 });
// Imported once, as TokenService does.
const secret = importHmacKey(config.jwtSecret);

interface Viewer { userId: string; role: string; status: string; organizationId: string | null; sessionId: string }

const SESSION_SQL = `select u.id as "userId", u.role, u.status, u.organization_id as "organizationId"
       from sessions s join users u on u.id = s.user_id
       where s.id = $1 and s.revoked_at is null and s.expires_at > now()`;
const PROCESSORS_SQL = 'select "p0".* from "processors" as "p0" order by "p0"."sort_order" asc';
const USER_SQL = 'select "u0".* from "users" as "u0" where "u0"."id" = $1 limit 1';
const SUBJECT_KEY_SQL = 'select subject_id as "subjectId", wrapped_key as "wrappedKey", key_version as "keyVersion" from subject_keys where subject_id in ($1)';
const ACCESS_LOG_COLUMNS = 'sequence, id, at, actor_id, actor_role, action, subject_id, fields, operation, ip_address, reason, previous_hash, hash';

class Unauthenticated extends Error {}

/** Verified like TokenService.verifyAccessToken, then the one session query of resolveViewer. */
async function viewerOf(request: FastifyRequest): Promise<Viewer> {
  const match = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '');
  if (!match) throw new Unauthenticated();
  let claims: { sub?: unknown; sid?: unknown };
  try {
    ({ payload: claims } = await jwtVerify(match[1].trim(), await secret, { issuer: 'aimex', audience: 'aimex-api', algorithms: ['HS256'] }));
  } catch {
    throw new Unauthenticated();
  }
  if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw new Unauthenticated();
  const { rows: [session] } = await pool.query(SESSION_SQL, [claims.sid]);
  if (!session || session.userId !== claims.sub || session.status !== 'ACTIVE') throw new Unauthenticated();
  return { ...session, sessionId: claims.sid };
}

/** The subject's data key: unwrapped under the master key, as MasterKeys.unwrap does. */
async function dataKeyOf(subjectId: string): Promise<Buffer | null> {
  const { rows: [row] } = await pool.query(SUBJECT_KEY_SQL, [subjectId]);
  if (!row?.wrappedKey) return null;
  if (row.keyVersion !== config.masterKey.version) throw new Error('bench: unexpected master key version');
  return open(config.masterKey.key, row.wrappedKey, `subject-key:${row.subjectId}`);
}

const decrypt = (key: Buffer | null, property: string, subjectId: string, sealed: Buffer | null): string | null =>
  !key || !sealed ? null : open(key, sealed, `User.${property}:${subjectId}`).toString('utf8');

/**
 * AccessLogService.append for one entry, in one transaction: the head row
 * locked (with the last entry's time, so `at` never goes backwards), then one
 * insert; the database's insert trigger checks the entry extends the head and
 * moves the head.
 */
async function appendRead(viewer: Viewer, subjectId: string, fields: string[], operation: string, ip: string): Promise<void> {
  const client: PoolClient = await pool.connect();
  try {
    await client.query('begin');
    const { rows: [head] } = await client.query(`select h.sequence, h.hash, (select e.at from access_log e where e.sequence = h.sequence) as "lastAt"
         from access_log_head h where h.id = 1 for update`);
    const now = new Date();
    const entry = {
      sequence: Number(head.sequence) + 1, id: randomUUID(), at: head.lastAt && new Date(head.lastAt) > now ? new Date(head.lastAt) : now,
      actorId: viewer.userId, actorRole: viewer.role as never, action: 'READ' as never, subjectId, fields: [...fields].sort(), operation,
      ipAddress: ip, reason: null, previousHash: head.hash as string,
    };
    const hash = entryHash(entry);
    await client.query(
      `insert into access_log (${ACCESS_LOG_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13)`,
      [entry.sequence, entry.id, entry.at, entry.actorId, entry.actorRole, entry.action, entry.subjectId, entry.fields,
        entry.operation, entry.ipAddress, entry.reason, entry.previousHash, hash],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** UsageService.visit: one web visit per request, buffered and inserted in batches (1 s or 500 rows). */
const visits: unknown[][] = [];
let visitTimer: NodeJS.Timeout | null = null;
function visit(ip: string, operation: string, userId: string): void {
  visits.push([new Date(), ip, operation, userId]);
  if (visits.length >= 500) void flushVisits();
  else visitTimer ??= setTimeout(() => void flushVisits(), 1000);
}
async function flushVisits(): Promise<void> {
  if (visitTimer) clearTimeout(visitTimer);
  visitTimer = null;
  const batch = visits.splice(0);
  if (batch.length === 0) return;
  const rows = batch.map((_, i) => `(gen_random_uuid(), $${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`);
  await pool.query(`insert into web_visits (id, at, ip_address, operation, user_id) values ${rows.join(', ')}`, batch.flat())
    .catch((error) => console.error('raw-server: web visit batch not stored', error));
}

const app = Fastify({ logger: false, genReqId: () => randomUUID(), trustProxy: false });
app.addHook('onSend', async (request, reply, payload) => {
  reply.header('x-request-id', request.id);
  return payload;
});
app.setErrorHandler((error, _request, reply: FastifyReply) => {
  if (error instanceof Unauthenticated) return reply.code(401).send({ errors: [{ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
  console.error('raw-server:', error);
  return reply.code(500).send({ errors: [{ message: 'internal', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
});

// `{ processors { name task retention country } }`
app.post('/processors', async (request) => {
  const viewer = await viewerOf(request);
  const { rows } = await pool.query(PROCESSORS_SQL);
  visit(request.ip, 'processors', viewer.userId);
  return { data: { processors: rows.map((p) => ({ name: p.name, task: p.task, retention: p.retention, country: p.country })) } };
});

// `{ me { id role name email } }`: the viewer's own fields, decrypted, unmasked, not access-logged.
app.post('/me', async (request) => {
  const viewer = await viewerOf(request);
  const { rows: [user] } = await pool.query(USER_SQL, [viewer.userId]);
  const key = await dataKeyOf(user.id);
  visit(request.ip, 'me', viewer.userId);
  return { data: { me: { id: user.id, role: user.role, name: decrypt(key, 'nameEnc', user.id, user.name_enc), email: decrypt(key, 'emailEnc', user.id, user.email_enc) } } };
});

// `query($id: ID!) { user(id: $id) { id name email phone } }` as staff: decrypted, masked, access-logged before the response.
app.post('/user', async (request, reply) => {
  const viewer = await viewerOf(request);
  const id = (request.body as { variables?: { id?: string } })?.variables?.id;
  if (viewer.role !== 'ADMIN' && viewer.role !== 'PRIVACY_OFFICER') throw new Error('bench: the raw user route mirrors the staff path only');
  const { rows: [user] } = id ? await pool.query(USER_SQL, [id]) : { rows: [] };
  if (!user) return reply.code(404).send({ errors: [{ message: 'not found', extensions: { code: 'NOT_FOUND' } }] });
  const key = await dataKeyOf(user.id);
  const name = decrypt(key, 'nameEnc', user.id, user.name_enc);
  const email = decrypt(key, 'emailEnc', user.id, user.email_enc);
  const phone = decrypt(key, 'phoneEnc', user.id, user.phone_enc);
  const body = { data: { user: { id: user.id, name: name === null ? null : maskName(name), email: email === null ? null : maskEmail(email), phone: phone === null ? null : maskPhone(phone) } } };
  if (user.id !== viewer.userId) await appendRead(viewer, user.id, ['name', 'email', 'phone'], 'user', request.ip);
  visit(request.ip, 'user', viewer.userId);
  return body;
});

async function main(): Promise<void> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await flushVisits();
    await pool.end();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { randomUUID } from 'node:crypto';
import { setImmediate as turn } from 'node:timers/promises';
import { Role } from '../../src/auth/roles';
import type { Viewer } from '../../src/context';
import { AccessReads, type AccessReadsTarget } from '../../src/privacy/access-reads';
import { sql } from '../auth/support';
import { createStaff, signUpMember } from '../factories/accounts';
import { captureLog } from '../setup/capture';
import { startServer, type TestServer } from '../setup/harness';

// A request's staff reads are written while its operation runs (src/privacy/access-reads.ts): each subject
// once it is settled, still one entry per subject, and flush waits for every write and surfaces a failure.

let server: TestServer;
const captured = captureLog();
beforeAll(async () => { server = await startServer({}, { log: captured.log }); });
afterAll(async () => { await server.close(); });

const viewer: Viewer = { kind: 'user', userId: randomUUID(), role: Role.ADMIN, organizationId: null, sessionId: randomUUID() };
const target = (): AccessReadsTarget => ({ em: server.app.orm.em.fork(), log: server.app.services.accessLog, viewer, ip: '192.0.2.7', operation: 'Probe' });
const entriesAbout = (subjectIds: string[]) => sql<{ subjectId: string; fields: string[]; operation: string; ipAddress: string }>(server,
  `select subject_id as "subjectId", fields, operation, ip_address as "ipAddress" from access_log where subject_id in (?) and action = 'READ' order by sequence`, [subjectIds]);

describe('AccessReads', () => {
  it('given reads of a settled and an unsettled subject, then the settled one is written before flush and each subject gets exactly one entry', async () => {
    const [ready, waiting] = [randomUUID(), randomUUID()];
    const settled = new Set<string>([ready]);
    const reads = new AccessReads();
    reads.writeAsRead(target, (id) => settled.has(id));
    reads.record(ready, 'name');
    reads.record(ready, 'email');
    reads.record(waiting, 'department');
    await turn();
    await turn();
    // Written while "the operation" still runs; the subject whose key has not loaded waits for its other fields.
    for (let i = 0; i < 50 && (await entriesAbout([ready])).length === 0; i += 1) await new Promise((done) => setTimeout(done, 10));
    expect(await entriesAbout([ready, waiting])).toEqual([{ subjectId: ready, fields: ['email', 'name'], operation: 'Probe', ipAddress: '192.0.2.7' }]);

    settled.add(waiting);
    reads.record(waiting, 'name');
    expect(reads.pending).toBe(true);
    await reads.flush(server.app.orm.em.fork(), server.app.services.accessLog, viewer, '192.0.2.7', 'Probe');
    expect(reads.pending).toBe(false);
    expect(await entriesAbout([ready, waiting])).toEqual([
      { subjectId: ready, fields: ['email', 'name'], operation: 'Probe', ipAddress: '192.0.2.7' },
      { subjectId: waiting, fields: ['department', 'name'], operation: 'Probe', ipAddress: '192.0.2.7' },
    ]);
  });

  it('given an early write the database refuses, then flush throws it, and later reads are still written', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const reads = new AccessReads();
    reads.writeAsRead(target, () => true);
    await sql(server, 'alter table access_log add constraint refuse_probe check (subject_id is distinct from ?) not valid', [first]);
    try {
      reads.record(first, 'phone');
      await turn();
      await turn();
      await expect(reads.flush(server.app.orm.em.fork(), server.app.services.accessLog, viewer, '192.0.2.7', 'Probe')).rejects.toMatchObject({ code: '23514' });
    } finally {
      await sql(server, 'alter table access_log drop constraint refuse_probe');
    }
    expect(await entriesAbout([first])).toEqual([]);

    reads.record(second, 'email');
    await reads.flush(server.app.orm.em.fork(), server.app.services.accessLog, viewer, '192.0.2.7', 'Probe');
    expect((await entriesAbout([second])).map((e) => e.fields)).toEqual([['email']]);
  });

  it('given no staff viewer, then nothing is written', async () => {
    const subject = randomUUID();
    const reads = new AccessReads();
    reads.record(subject, 'name');
    await reads.flush(server.app.orm.em.fork(), server.app.services.accessLog, { kind: 'anonymous' }, '192.0.2.7', 'Probe');
    expect(await entriesAbout([subject])).toEqual([]);
  });

  it('given the access log refusing a staff page\'s writes, then HTTP 500, and the failure is logged once, scrubbed, by the service (not by Apollo on the console)', async () => {
    const admin = await createStaff(server, Role.ADMIN);
    const member = await signUpMember(server, { name: '홍길동', phone: '010-1234-5678' });
    const errors = jest.spyOn(console, 'error');
    const from = captured.lines.length;
    await sql(server, 'alter table access_log add constraint refuse_page check (subject_id is distinct from ?) not valid', [member.userId]);
    let answer;
    try {
      answer = await server.raw({ query: `query { user(id: "${member.userId}") { id name email phone } }` }, { token: admin.token });
    } finally {
      await sql(server, 'alter table access_log drop constraint refuse_page');
    }
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toMatch(/홍|\*|5678|@/);
    const written = captured.lines.slice(from);
    const failures = written.filter((line) => line.includes('access log write failed'));
    expect(failures).toHaveLength(1);
    expect(JSON.parse(failures[0]).err).toMatchObject({ type: expect.any(String) });
    // The driver's text is scrubbed of values (the statement's shape stays); nothing personal, and nothing from Apollo but the generic line.
    for (const line of written) expect(line).not.toMatch(new RegExp(`${member.userId}|${admin.userId}|${member.email}|홍길동|010-1234-5678|127\\.0\\.0\\.1`));
    const fromApollo = written.map((line) => JSON.parse(line) as { component?: string; msg?: string }).filter((r) => r.component === 'apollo');
    expect(fromApollo.map((r) => r.msg)).toEqual([expect.stringMatching(/access log could not be written/)]);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });
});

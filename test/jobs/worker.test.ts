import { Queue } from 'bullmq';
import { enqueue, OutboxRelay, QUEUES, redisConnection } from '../../jobs/queues';
import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Session } from '../../src/auth/session.entity';
import { OutboxMessage } from '../../src/db/outbox.entity';
import { inTransaction } from '../../src/db/transaction';
import { User } from '../../src/modules/users/user.entity';
import { signUpMember } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let worker: RunningWorker;
beforeAll(async () => {
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 100 });
});
afterAll(async () => {
  await worker.close();
  await server.close();
});

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('jobs through the outbox and a real worker', () => {
  it('given an outbox row committed with a change, then the worker runs the job: expired sessions are deleted', async () => {
    const member = await signUpMember(server);
    const em = server.app.orm.em.fork();
    const user = await em.findOneOrFail(User, member.userId);
    const expired = em.create(Session, { user, expiresAt: new Date(Date.now() - 3 * 24 * 3600 * 1000) });
    await inTransaction(em, async () => {
      enqueue(em, 'maintenance', { task: 'expire-sessions' });
    });
    await em.flush();
    await eventually(async () => (await server.app.orm.em.fork().count(Session, { id: expired.id })) === 0);
    // The live session of the same user is kept.
    expect(await server.app.orm.em.fork().count(Session, { user: member.userId })).toBe(1);
  });

  it('given a change that rolls back, then no outbox row and no job', async () => {
    const em = server.app.orm.em.fork();
    let id = '';
    await expect(inTransaction(em, async () => {
      id = enqueue(em, 'maintenance', { task: 'expire-sessions' }).id;
      await em.flush();
      throw new Error('change failed');
    })).rejects.toThrow('change failed');
    expect(await server.app.orm.em.fork().count(OutboxMessage, { id })).toBe(0);
  });

  it('given a row relayed twice (a crash between add and mark), then BullMQ still holds one job with the row id', async () => {
    const em = server.app.orm.em.fork();
    // Paused queue: the job stays waiting so it can be inspected.
    const queue = new Queue(QUEUES.maintenance, { connection: redisConnection(server.app.config.redisUrl) });
    const relay = new OutboxRelay(server.app.orm, redisConnection(server.app.config.redisUrl), server.app.log);
    try {
      const message = enqueue(em, 'maintenance', { task: 'expire-sessions' });
      await em.flush();
      await eventually(async () => (await queue.getJob(message.id)) ?? null);
      await em.execute('update outbox set relayed_at = null where id = ?', [message.id]);
      await relay.relayOnce();
      const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
      expect(jobs.filter((j) => j.id === message.id)).toHaveLength(1);
    } finally {
      await relay.stop();
      await queue.close();
    }
  });
});

import { Queue } from 'bullmq';
import { enqueue, OutboxRelay, QUEUES, redisConnection } from '../../jobs/queues';
import { privateRedis, type PrivateRedis } from '../faults/support';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let redis: PrivateRedis;
beforeAll(async () => {
  redis = await privateRedis();
  server = await startServer({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await server.close();
  await redis.stop();
});

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().execute<Record<string, any>[]>(query, params);
async function row(): Promise<string> {
  const em = server.app.orm.em.fork();
  const message = enqueue(em, 'maintenance', { task: 'expire-sessions' });
  await em.flush();
  return message.id;
}

describe('the outbox relay: claim, add, mark', () => {
  it('given rows claimed by a relay that died before adding them, then they are relayed again once the lease ends, as one job each', async () => {
    const relay = new OutboxRelay(server.app.orm, redisConnection(redis.url), server.app.log, { leaseMs: 60_000 });
    const queue = new Queue(QUEUES.maintenance, { connection: redisConnection(redis.url) });
    try {
      await sql('update outbox set relayed_at = now() where relayed_at is null');
      const id = await row();
      await sql(`update outbox set claimed_until = now() + interval '1 hour' where id = ?`, [id]);
      expect(await relay.relayOnce()).toBe(0); // still leased by the dead relay
      await sql(`update outbox set claimed_until = now() - interval '1 second' where id = ?`, [id]);
      expect(await relay.relayOnce()).toBe(1);
      const [after] = await sql('select relayed_at, claimed_until, attempts from outbox where id = ?', [id]);
      expect(after.relayed_at).not.toBeNull();
      expect(after.claimed_until).toBeNull();
      expect(await queue.getJobState(id)).toBe('waiting');
    } finally {
      await relay.stop();
      await queue.close();
    }
  });

  it('given Redis away while rows are relayed, then no transaction is held open meanwhile, and the rows are relayed when it is back', async () => {
    const relay = new OutboxRelay(server.app.orm, redisConnection(redis.url), server.app.log);
    try {
      const id = await row();
      await redis.stop();
      const pass = relay.relayOnce();
      await new Promise((r) => setTimeout(r, 500));
      const [claimed] = await sql('select relayed_at, claimed_until from outbox where id = ?', [id]);
      expect(claimed.relayed_at).toBeNull();
      expect(claimed.claimed_until).not.toBeNull();
      const open = await sql(`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
      expect(open[0].n).toBe(0);
      await redis.start();
      await pass;
      expect((await sql('select relayed_at from outbox where id = ?', [id]))[0].relayed_at).not.toBeNull();
    } finally {
      await relay.stop();
    }
  });

  it('given relayed rows past OUTBOX_RETENTION_HOURS, then the relay deletes them and keeps the recent ones', async () => {
    const relay = new OutboxRelay(server.app.orm, redisConnection(redis.url), server.app.log, { retentionHours: 24 });
    try {
      const old = await row();
      const recent = await row();
      await sql(`update outbox set relayed_at = now() - interval '25 hours' where id = ?`, [old]);
      await sql(`update outbox set relayed_at = now() - interval '23 hours' where id = ?`, [recent]);
      await relay.relayOnce();
      expect((await sql('select id from outbox where id in (?, ?)', [old, recent])).map((r) => r.id)).toEqual([recent]);
    } finally {
      await relay.stop();
    }
  });
});

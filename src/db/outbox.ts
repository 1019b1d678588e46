import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { OutboxMessage } from './outbox.entity';

/**
 * The payload each queue's job carries (ids, never personal data), by queue
 * name. The names themselves are listed once in jobs/queues.ts (QUEUES); this
 * is the data layer's side of the outbox, so modules enqueue without importing
 * jobs/.
 */
export interface JobPayloads {
  maintenance: { task: 'expire-sessions' | 'reconcile' };
  'dataset-validation': { datasetId: string };
  training: { trainingJobId: string };
  /** Without a run id (the daily schedule), the worker opens the run itself. */
  purge: { purgeRunId?: string };
  'data-subject-requests': { requestId: string };
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10000 },
  removeOnFail: false,
};

/** Enqueues through the outbox, in the caller's unit of work: a rolled-back change starts nothing. */
export function enqueue<Q extends keyof JobPayloads>(em: EntityManager, queue: Q, payload: JobPayloads[Q]): OutboxMessage {
  return em.create(OutboxMessage, { queue, payload: payload as Record<string, unknown> });
}

/** The channel an insert into the outbox notifies at commit (the trigger is in the migrations). */
export const OUTBOX_CHANNEL = 'outbox';

export interface OutboxRelayOptions {
  batchSize?: number;
  /** A claimed row not marked relayed within this is claimed again (a relay that died between the steps). */
  leaseMs?: number;
  /** Relayed rows older than this are deleted. */
  retentionHours?: number;
}

/**
 * Moves committed outbox rows to BullMQ in three steps, none holding a
 * transaction across the network:
 *
 * 1. claim: one statement sets `claimed_until` (a lease) on up to a batch of
 *    unrelayed rows whose lease is free (`FOR UPDATE SKIP LOCKED`: relays
 *    side by side never claim the same row);
 * 2. add them to BullMQ, outside any transaction, the row id as job id;
 * 3. mark them relayed.
 *
 * A crash (or a Redis outage) between 1 and 3 leaves the rows claimed: once
 * the lease ends they are claimed and added again, and the job id keeps that
 * one job. Relayed rows are deleted after the retention period. It relays at
 * once after a commit (PostgreSQL LISTEN/NOTIFY: the notification is sent
 * when the inserting transaction commits, never for a rollback); the poll is
 * the safety net for a missed notification or a lost listening connection.
 */
export class OutboxRelay {
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;
  private again = false;
  private listener: Client | null = null;
  private relistenTimer: NodeJS.Timeout | null = null;
  private intervalMs = 500;
  private lastCleanup = 0;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly retentionHours: number;

  constructor(private readonly orm: MikroORM, private readonly connection: ConnectionOptions, private readonly log: Logger, options: OutboxRelayOptions | number = {}) {
    const opts = typeof options === 'number' ? { batchSize: options } : options;
    this.batchSize = opts.batchSize ?? 100;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.retentionHours = opts.retentionHours ?? 7 * 24;
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      this.queues.set(name, (queue = new Queue(name, { connection: this.connection, defaultJobOptions: DEFAULT_JOB_OPTIONS })));
      // Through the logger, never as plain text; the relay's pass fails and is retried.
      queue.on('error', (error) => this.log.warn({ queue: name, err: error }, 'outbox relay: queue error'));
    }
    return queue;
  }

  async relayOnce(): Promise<number> {
    const em = this.orm.em.fork();
    // 1. Claim (one short statement, its own transaction).
    const rows = await em.execute<{ id: string; queue: string; payload: Record<string, unknown> }[]>(
      `update outbox set claimed_until = now() + (? * interval '1 millisecond'), attempts = attempts + 1
        where id in (select id from outbox where relayed_at is null and (claimed_until is null or claimed_until < now())
                     order by created_at limit ? for update skip locked)
        returning id, queue, payload`,
      [this.leaseMs, this.batchSize],
    );
    await this.cleanup(em);
    if (rows.length === 0) return 0;
    // 2. Add, outside any transaction. A row that fails stays claimed and is retried when its lease ends.
    const byQueue = new Map<string, typeof rows>();
    for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
    const added: string[] = [];
    let failure: unknown = null;
    for (const [name, batch] of byQueue) {
      try {
        await this.queue(name).addBulk(batch.map((row) => ({ name, data: row.payload, opts: { jobId: row.id } })));
        added.push(...batch.map((r) => r.id));
      } catch (error) {
        failure = error;
      }
    }
    // 3. Mark.
    if (added.length > 0) await em.execute('update outbox set relayed_at = now(), claimed_until = null where id in (?)', [added]);
    if (failure) throw failure;
    return rows.length;
  }

  /** Deletes relayed rows past the retention period, at most once a minute and a bounded batch at a time. */
  private async cleanup(em: EntityManager): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await em.execute(
      `delete from outbox where id in (select id from outbox where relayed_at < now() - (? * interval '1 hour') limit 1000 for update skip locked)`,
      [this.retentionHours],
    );
  }

  start(intervalMs = 500): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    this.schedule(0);
    void this.listen();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    this.again = false;
    try {
      this.running = this.relayOnce();
      const relayed = await this.running;
      if (relayed > 0) this.log.debug({ relayed }, 'outbox relayed');
      // A full batch: more are waiting.
      if (relayed >= this.batchSize) this.again = true;
    } catch (error) {
      this.log.warn({ err: error }, 'outbox relay failed; will retry');
    } finally {
      this.running = null;
      this.schedule(this.again ? 0 : this.intervalMs);
    }
  }

  /** A commit added rows: relay now (or right after the pass under way). */
  private wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.orm.config.getClientUrl() });
    this.listener = client;
    const relisten = () => {
      if (this.listener !== client) return;
      this.listener = null;
      void client.end().catch(() => undefined);
      if (!this.stopped) this.relistenTimer = setTimeout(() => void this.listen(), 5000);
    };
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      this.log.warn({ err: error }, 'outbox listener lost; polling until it is back');
      relisten();
    });
    client.on('end', relisten);
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
      // Rows committed while no one listened.
      this.wake();
    } catch (error) {
      this.log.warn({ err: error }, 'outbox listener could not start; polling until it can');
      relisten();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.relistenTimer) clearTimeout(this.relistenTimer);
    this.timer = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.running?.catch(() => 0);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

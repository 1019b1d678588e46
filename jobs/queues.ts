import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { OutboxMessage } from '../src/db/outbox.entity';

/** Every queue name, and the payload each job carries (ids, never personal data). */
export const QUEUES = {
  maintenance: 'maintenance',
  datasetValidation: 'dataset-validation',
  training: 'training',
  purge: 'purge',
  dataSubjectRequests: 'data-subject-requests',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobPayloads {
  maintenance: { task: 'expire-sessions' };
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

export function redisConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    username: url.username || undefined,
    password: url.password || undefined,
    // BullMQ workers block on Redis; they must not give up on a slow reply.
    maxRetriesPerRequest: null,
  };
}

/** Enqueues through the outbox, in the caller's unit of work: a rolled-back change starts nothing. */
export function enqueue<Q extends keyof JobPayloads>(em: EntityManager, queue: Q, payload: JobPayloads[Q]): OutboxMessage {
  return em.create(OutboxMessage, { queue, payload: payload as Record<string, unknown> });
}

/** The channel an insert into the outbox notifies at commit (the trigger is in the migrations). */
export const OUTBOX_CHANNEL = 'outbox';

/**
 * Moves committed outbox rows to BullMQ. The row id is the job id, so a row
 * relayed twice (a crash between add and mark) is still one job; SKIP LOCKED
 * lets several relays run side by side. It relays at once after a commit
 * (PostgreSQL LISTEN/NOTIFY: the notification is sent when the inserting
 * transaction commits, never for a rollback); the poll is the safety net for
 * a missed notification or a lost listening connection.
 */
export class OutboxRelay {
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;
  private again = false;
  private listener: Client | null = null;
  private relistenTimer: NodeJS.Timeout | null = null;

  constructor(private readonly orm: MikroORM, private readonly connection: ConnectionOptions, private readonly log: Logger, private readonly batchSize = 100) {}

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new Queue(name, { connection: this.connection, defaultJobOptions: DEFAULT_JOB_OPTIONS })));
    return queue;
  }

  async relayOnce(): Promise<number> {
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      const rows = await tx.execute<{ id: string; queue: string; payload: Record<string, unknown> }[]>(
        'select id, queue, payload from outbox where relayed_at is null order by created_at limit ? for update skip locked',
        [this.batchSize],
      );
      for (const row of rows) {
        await this.queue(row.queue).add(row.queue, row.payload, { jobId: row.id });
      }
      if (rows.length > 0) {
        await tx.execute('update outbox set relayed_at = now(), attempts = attempts + 1 where id in (?)', [rows.map((r) => r.id)]);
      }
      return rows.length;
    });
  }

  start(intervalMs = 500): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    this.schedule(0);
    void this.listen();
  }

  private intervalMs = 500;

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

import type { EntityManager } from '@mikro-orm/postgresql';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { UsageEvent, UsageEventType } from './usage.entity';

export interface VisitRecord {
  at: Date;
  ipAddress: string | null;
  operation: string | null;
  userId: string | null;
}

/**
 * Service-usage events join the caller's unit of work. Web visits, one per
 * request, are buffered and written in batches so logging them costs a
 * request no database round trip.
 */
export class UsageService {
  private buffer: VisitRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly orm: MikroORM, private readonly log: Logger, private readonly flushMs = 1000, private readonly maxBatch = 500) {}

  record(em: EntityManager, userId: string, type: UsageEventType, ipAddress: string | null): void {
    em.create(UsageEvent, { userId, type, ipAddress });
  }

  visit(record: VisitRecord): void {
    this.buffer.push(record);
    if (this.buffer.length >= this.maxBatch) void this.flushVisits();
    else if (!this.timer) this.timer = setTimeout(() => void this.flushVisits(), this.flushMs);
  }

  /** Writes what is buffered; resolves once every earlier visit is stored. */
  flushVisits(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      const params: unknown[] = [];
      const rows = batch.map((v) => {
        params.push(v.at, v.ipAddress, v.operation, v.userId);
        return '(gen_random_uuid(), ?, ?, ?, ?)';
      });
      try {
        await this.orm.em.fork().execute(`insert into web_visits (id, at, ip_address, operation, user_id) values ${rows.join(', ')}`, params);
      } catch (error) {
        this.log.error({ err: error, count: batch.length }, 'web visit batch not stored');
      }
    });
    return this.flushing;
  }
}

import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A job to enqueue, written in the same transaction as the change that needs
 * it; the relay (src/db/outbox.ts) claims it (a lease in claimedUntil), hands it to BullMQ with this id as job id, so
 * a Redis outage loses nothing and a rolled-back change starts nothing.
 */
@Entity({ tableName: 'outbox' })
@Index({ properties: ['relayedAt', 'createdAt'] })
export class OutboxMessage {
  [OptionalProps]?: 'createdAt' | 'attempts';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  queue!: string;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  relayedAt: Date | null = null;

  /** The lease of the relay that claimed it: until then no other relay takes it (null: free). */
  @Property({ type: 'timestamptz', nullable: true })
  claimedUntil: Date | null = null;

  @Property()
  attempts: number = 0;
}

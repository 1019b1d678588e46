import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';

export enum PurgeRunStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(PurgeRunStatus, {
  name: 'PurgeRunStatus',
  description: 'Where a purge run stands.',
  valuesConfig: {
    RUNNING: { description: 'Deleting (or counting, for a dry run).' },
    SUCCEEDED: { description: 'Finished; the counts are final.' },
    FAILED: { description: 'Stopped by an error; the counts so far are kept and the job retries.' },
  },
});

/** `prefix`: for the storage sweep, the bucket prefix whose objects were counted. */
export interface PurgeCountData { category: string; action: string; count: number; prefix?: string | null }

/** One run of the retention purge: what it removed (or, dry, would remove), per category. */
@Entity({ tableName: 'purge_runs' })
@Index({ properties: ['startedAt'] })
export class PurgeRun {
  [OptionalProps]?: 'status' | 'startedAt' | 'counts';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property()
  dryRun!: boolean;

  @Enum({ items: () => PurgeRunStatus })
  status: PurgeRunStatus = PurgeRunStatus.RUNNING;

  @Property({ type: 'timestamptz' })
  startedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;

  @Property({ type: 'json' })
  counts: PurgeCountData[] = [];

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  requestedById: string | null = null;
}

/** While a hold is in force, the purge keeps the subject's data (a dispute, an investigation). */
@Entity({ tableName: 'legal_holds' })
@Index({ properties: ['subjectId'] })
export class LegalHold {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  subjectId!: string;

  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: 'timestamptz', nullable: true })
  until: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  placedById: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  releasedAt: Date | null = null;
}

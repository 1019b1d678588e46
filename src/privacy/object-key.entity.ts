import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** What an object key encrypts: one dataset's redacted copy and preview, or one model version's artifact. */
export enum ObjectKeyOwner {
  DATASET = 'DATASET',
  MODEL_ARTIFACT = 'MODEL_ARTIFACT',
}

/**
 * The data key of one stored object family (a dataset, a model version's
 * artifact), wrapped (AES-256-GCM) by the master key of keyVersion, like a
 * subject's key. Its id is the owner's: the dataset's id, or the training
 * job's id for the version it made. Destroying it (wrappedKey null) leaves
 * whatever copies of those objects survive (a backup, a failed delete)
 * unreadable.
 */
@Entity({ tableName: 'object_keys' })
export class ObjectKey {
  [OptionalProps]?: 'createdAt' | 'destroyedAt';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Enum({ items: () => ObjectKeyOwner })
  owner!: ObjectKeyOwner;

  @Property({ type: 'blob', nullable: true })
  wrappedKey: Buffer | null = null;

  @Property()
  keyVersion!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  destroyedAt: Date | null = null;
}

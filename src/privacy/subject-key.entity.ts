import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A subject's data key, wrapped (AES-256-GCM) by the master key of keyVersion.
 * Destroying it (wrappedKey null) crypto-shreds every value encrypted under it,
 * including copies in backups.
 */
@Entity({ tableName: 'subject_keys' })
export class SubjectKey {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  subjectId!: string;

  @Property({ type: 'blob', nullable: true })
  wrappedKey: Buffer | null = null;

  @Property()
  keyVersion!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  destroyedAt: Date | null = null;
}

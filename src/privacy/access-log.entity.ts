import { ArrayType, Check, Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { Role } from '../auth/roles';

export enum AccessAction {
  READ = 'READ',
  REVEAL = 'REVEAL',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
  EXPORT = 'EXPORT',
  SIGN_IN = 'SIGN_IN',
  SIGN_IN_FAILED = 'SIGN_IN_FAILED',
}
registerEnumType(AccessAction, {
  name: 'AccessAction',
  description: 'What an access-log entry records.',
  valuesConfig: {
    READ: { description: 'A staff member read personal fields (masked).' },
    REVEAL: { description: 'A staff member revealed personal fields unmasked, with a reason.' },
    UPDATE: { description: 'A staff member changed an account (a role change included).' },
    DELETE: { description: 'Personal data was erased.' },
    EXPORT: { description: 'Personal data was exported for its subject.' },
    SIGN_IN: { description: 'A successful sign-in.' },
    SIGN_IN_FAILED: { description: 'A failed sign-in.' },
  },
});

/**
 * Append-only (a trigger rejects UPDATE and DELETE, see the migration); each
 * entry carries the SHA-256 of its predecessor, so any change breaks the chain.
 */
@Entity({ tableName: 'access_log' })
// Role grants and changes are kept 3 years: purge_access_log() looks them up by this index.
@Index({ name: 'access_log_role_changes', expression: `create index "access_log_role_changes" on "access_log" ("sequence") where action = 'UPDATE' and 'role' = any(fields)` })
@Index({ properties: ['subjectId', 'sequence'] })
@Index({ properties: ['actorId', 'sequence'] })
export class AccessLogEntry {
  @PrimaryKey({ autoincrement: false })
  sequence!: number;

  @Property({ type: 'uuid', unique: true })
  id!: string;

  @Property({ type: 'timestamptz', index: true })
  at!: Date;

  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  @Enum({ items: () => Role, nullable: true })
  actorRole: Role | null = null;

  @Enum({ items: () => AccessAction })
  action!: AccessAction;

  @Property({ type: 'uuid', nullable: true })
  subjectId: string | null = null;

  @Property({ type: ArrayType })
  fields: string[] = [];

  @Property({ type: 'text', nullable: true })
  operation: string | null = null;

  @Property({ type: 'text', nullable: true })
  ipAddress: string | null = null;

  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  @Property({ type: 'text' })
  previousHash!: string;

  @Property({ type: 'text' })
  hash!: string;
}

/**
 * The chain's head (one row, id 1). Writers lock it, which serialises them and
 * keeps the sequence gap-free. After retention removes a prefix, checkpoint*
 * holds the last removed entry so verification starts from a known hash.
 */
@Entity({ tableName: 'access_log_head' })
@Check({ name: 'access_log_head_single_row', expression: 'id = 1' })
export class AccessLogHead {
  @PrimaryKey({ autoincrement: false })
  id!: number;

  @Property()
  sequence!: number;

  @Property({ type: 'text' })
  hash!: string;

  @Property()
  checkpointSequence!: number;

  @Property({ type: 'text' })
  checkpointHash!: string;
}

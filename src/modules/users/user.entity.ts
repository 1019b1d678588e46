import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, JsonType, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';
import { Role } from '../../auth/roles';
import type { ConsentPurpose } from '../consents/consent.entity';
import { Organization } from '../organizations/organization.entity';

export enum UserStatus {
  ACTIVE = 'ACTIVE',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(UserStatus, {
  name: 'UserStatus',
  description: 'Whether the account is open.',
  valuesConfig: {
    ACTIVE: { description: 'The account is open.' },
    WITHDRAWN: { description: 'The person closed the account; their personal data is erased.' },
  },
});

/**
 * Personal properties are ciphertexts under the subject's own data key (see
 * src/privacy/registry.ts); only the keyed blind index of the email is
 * searchable.
 */
@Entity({ tableName: 'users' })
export class User {
  [OptionalProps]?: 'status' | 'processingSuspended' | 'failedSignIns' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => Role })
  role!: Role;

  @Enum({ items: () => UserStatus })
  status: UserStatus = UserStatus.ACTIVE;

  @Property({ type: 'text', nullable: true, unique: true })
  emailIndex: string | null = null;

  @Property({ type: 'blob', nullable: true, lazy: false })
  emailEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  nameEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  phoneEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  departmentEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  jobTitleEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  profileImageUrlEnc: Buffer | null = null;

  @Property({ type: 'blob', nullable: true })
  interestsEnc: Buffer | null = null;

  @Property({ type: 'text', nullable: true, hidden: true })
  passwordHash: string | null = null;

  @Index()
  @ManyToOne(() => Organization, { nullable: true, deleteRule: 'set null' })
  organization: Organization | null = null;

  @Property()
  processingSuspended: boolean = false;

  @Property()
  failedSignIns: number = 0;

  @Property({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null = null;

  /**
   * The consents in force, kept by the database from the consent events (Migration20261208100000), never written
   * here. Lazy: an entity does not read it; a page of users does (src/common/pagination.ts), and shows consents from it.
   */
  @Property({ type: JsonType, columnType: 'json', nullable: true, lazy: true })
  currentConsents?: CurrentConsentState | null;
}

/** [purpose, granted, policy version, at in epoch milliseconds] for each purpose with an event. */
export type CurrentConsentState = [ConsentPurpose, boolean, string, number][];

/**
 * A user as field resolvers read it: the entity, or a read-only row of a page (src/common/pagination.ts).
 * Not the class itself: type-graphql turns a root that is not an instance of the parameter's class into one,
 * and constructing an entity per row cost more than reading it.
 */
export type UserRow = Readonly<User>;

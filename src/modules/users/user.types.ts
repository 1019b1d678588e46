import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Role } from '../../auth/roles';
import { connectionTypes } from '../../common/pagination';
import { UserStatus } from './user.entity';

/**
 * A person's account. Resolvers return the entity; personal fields are
 * decrypted, masked for staff and access-logged in UserResolver.
 */
// Its own fields are plain columns (simpleResolvers: the shield's decision reads them, without type-graphql's resolver).
@ObjectType('User', { description: 'An account: a member, an enterprise user or staff.', simpleResolvers: true })
export class UserType {
  @Field(() => ID, { description: 'Stable identifier; the only field partners may see.' })
  id!: string;

  @Field(() => Role, { description: 'What the account may do.' })
  role!: Role;

  @Field(() => UserStatus, { description: 'ACTIVE, or WITHDRAWN after withdrawal.' })
  status!: UserStatus;

  @Field({ description: 'True while a processing-suspension request is in force.' })
  processingSuspended!: boolean;

  @Field({ description: 'When the account was created.' })
  createdAt!: Date;
}

export const { Edge: UserEdge, Connection: UserConnection } = connectionTypes('User', UserType, 'user');

@InputType({ description: 'Narrows the users list.' })
export class UserFilter {
  @Field(() => Role, { nullable: true, description: 'Only accounts of this role.' })
  role?: Role | null;

  @Field(() => UserStatus, { nullable: true, description: 'Only accounts in this status.' })
  status?: UserStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only members of this organization.' })
  organizationId?: string | null;
}

@InputType({ description: "Changes to the caller's own profile; absent fields stay as they are, null clears optional ones." })
export class UpdateProfileInput {
  @Field(() => String, { nullable: true, description: 'Full name (1 to 100 characters).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Phone number, e.g. 010-1234-5678.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'Department (enterprise users).' })
  department?: string | null;

  @Field(() => String, { nullable: true, description: 'Job title (enterprise users).' })
  jobTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'An https URL of the profile image.' })
  profileImageUrl?: string | null;

  @Field(() => [String], { nullable: true, description: 'Optional item: interests and preferences (at most 30, each up to 50 characters).' })
  interests?: string[] | null;
}

import { Field, InputType, ObjectType } from 'type-graphql';
import { ConsentInput } from '../modules/consents/consent.types';
import { UserType } from '../modules/users/user.types';
import { Role } from './roles';

@ObjectType({ description: 'Tokens for a new or renewed session.' })
export class AuthPayload {
  @Field({ description: 'Bearer token for the Authorization header; valid 15 minutes.' })
  accessToken!: string;

  @Field({ description: 'Opaque, valid 14 days, single use: refreshToken returns a new one.' })
  refreshToken!: string;

  @Field({ description: 'When the access token expires.' })
  accessTokenExpiresAt!: Date;

  @Field(() => UserType, { description: 'The signed-in user.' })
  user!: unknown;
}

@InputType({ description: 'A new MEMBER or ENTERPRISE account.' })
export class SignUpInput {
  @Field({ description: 'Email address; used to sign in.' })
  email!: string;

  @Field({ description: 'At least 10 characters of 2 kinds (letters, digits, symbols), or 8 of all 3.' })
  password!: string;

  @Field({ description: 'Full name.' })
  name!: string;

  @Field({ description: 'Phone number, e.g. 010-1234-5678.' })
  phone!: string;

  @Field(() => Role, { description: 'MEMBER or ENTERPRISE; staff roles are granted by an ADMIN.' })
  accountType!: Role;

  @Field(() => String, { nullable: true, description: 'ENTERPRISE: creates the organization with this user as its first member.' })
  organizationName?: string | null;

  @Field(() => String, { nullable: true, description: 'Department (enterprise users).' })
  department?: string | null;

  @Field(() => String, { nullable: true, description: 'Job title (enterprise users).' })
  jobTitle?: string | null;

  @Field(() => [ConsentInput], { description: 'Must grant every required purpose of the policy version named.' })
  consents!: ConsentInput[];

  @Field({ description: 'The policy version the user was shown: the one in effect.' })
  policyVersion!: string;
}

import { Field, ID, ObjectType } from 'type-graphql';
import { InvitationStatus } from './invitation.entity';

@ObjectType('Invitation', { description: 'An invitation to join an organization as an ENTERPRISE user.' })
export class InvitationType {
  @Field(() => ID, { description: 'Identifier.' })
  id!: string;

  @Field(() => InvitationStatus, { description: 'Where it stands now.' })
  status!: InvitationStatus;

  @Field(() => Date, { description: 'When it was sent.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'After this moment it can no longer be accepted.' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the invitee joined.' })
  acceptedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked.' })
  revokedAt!: Date | null;
}

@ObjectType({ description: 'A new invitation and its token.' })
export class CreatedInvitation {
  @Field(() => InvitationType, { description: 'The invitation.' })
  invitation!: InvitationType;

  @Field({ description: 'The only time the token is returned: send it to the invitee (for example in a link); they sign in or sign up and call acceptInvitation with it.' })
  token!: string;
}

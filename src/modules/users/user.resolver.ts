import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../auth/roles';
import type { Context } from '../../context';
import { presentPersonal } from '../../privacy/personal-data';
import { Consent, ConsentEvent as ConsentEventType } from '../consents/consent.types';
import { PurchaseType } from '../catalog/catalog.types';
import { ConversationType } from '../conversations/conversation.types';
import { MissionStatus } from '../missions/mission.entity';
import { HealthProfileType, MissionType } from '../missions/mission.types';
import { OrganizationType } from '../organizations/organization.types';
import { User, type UserRow } from './user.entity';
import { UpdateProfileInput, UserConnection, UserFilter, UserType } from './user.types';

@Resolver(() => UserType)
export class UserResolver {
  @Query(() => UserType, { nullable: true, description: 'The signed-in user.' })
  me(@Ctx() ctx: Context): Promise<User | null> {
    return ctx.services.users.me(ctx);
  }

  @Query(() => UserType, { nullable: true, description: 'A user: yourself, a colleague (enterprise), or anyone for staff (personal fields masked and access-logged).' })
  user(@Arg('id', () => ID, { description: 'The account\'s id.' }) id: string, @Ctx() ctx: Context): Promise<User> {
    return ctx.services.users.find(ctx, id);
  }

  @Query(() => UserConnection, { description: 'All users, oldest first (staff; personal fields masked and access-logged).' })
  users(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Arg('filter', () => UserFilter, { nullable: true, description: 'Narrows the list.' }) filter: UserFilter | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.users.list(ctx, first ?? 20, after, filter);
  }

  @Mutation(() => UserType, { description: "Changes the caller's own profile." })
  updateProfile(@Arg('input', () => UpdateProfileInput, { description: 'What to change; fields left out stay as they are.' }) input: UpdateProfileInput, @Ctx() ctx: Context): Promise<User> {
    return ctx.services.users.updateProfile(ctx, input);
  }

  @Mutation(() => UserType, { description: "Grants or changes a user's role (ADMIN); ends the user's sessions and is access-logged." })
  setUserRole(@Arg('userId', () => ID, { description: 'The account\'s id.' }) userId: string, @Arg('role', () => Role, { description: 'The new role; the account\'s sessions end.' }) role: Role, @Ctx() ctx: Context): Promise<User> {
    return ctx.services.users.setRole(ctx, userId, role);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: the user in full; staff masked (revealPersonalData unmasks); others denied.' })
  name(@Root() user: UserRow, @Ctx() ctx: Context) {
    return presentPersonal(ctx, 'User', 'nameEnc', user.id, user.nameEnc);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: the user in full; staff masked; others denied.' })
  email(@Root() user: UserRow, @Ctx() ctx: Context) {
    return presentPersonal(ctx, 'User', 'emailEnc', user.id, user.emailEnc);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: the user in full; staff masked; others denied.' })
  phone(@Root() user: UserRow, @Ctx() ctx: Context) {
    return presentPersonal(ctx, 'User', 'phoneEnc', user.id, user.phoneEnc);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Department (enterprise users): the user, colleagues and staff.' })
  department(@Root() user: UserRow, @Ctx() ctx: Context) {
    return presentPersonal(ctx, 'User', 'departmentEnc', user.id, user.departmentEnc);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Job title (enterprise users): the user, colleagues and staff.' })
  jobTitle(@Root() user: UserRow, @Ctx() ctx: Context) {
    return presentPersonal(ctx, 'User', 'jobTitleEnc', user.id, user.jobTitleEnc);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Profile image URL. The user alone.' })
  profileImageUrl(@Root() user: UserRow, @Ctx() ctx: Context) {
    return presentPersonal(ctx, 'User', 'profileImageUrlEnc', user.id, user.profileImageUrlEnc);
  }

  @FieldResolver(() => [String], { description: 'Optional item: interests and preferences. The user alone.' })
  async interests(@Root() user: UserRow, @Ctx() ctx: Context): Promise<string[]> {
    const raw = await presentPersonal(ctx, 'User', 'interestsEnc', user.id, user.interestsEnc);
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: 'The organization of an enterprise user.' })
  organization(@Root() user: UserRow, @Ctx() ctx: Context) {
    return user.organization ? ctx.loaders.organizationById.load(user.organization.id) : null;
  }

  @FieldResolver(() => HealthProfileType, { nullable: true, description: 'Sensitive (health). The user alone, and only with HEALTH_DATA consent.' })
  healthProfile(@Root() user: UserRow, @Ctx() ctx: Context) {
    return ctx.services.missions.healthProfile(ctx, user.id);
  }

  @FieldResolver(() => [MissionType], { description: "The user's healthcare missions, newest first. The user alone." })
  missions(
    @Root() user: UserRow,
    @Arg('status', () => MissionStatus, { nullable: true, description: 'Only missions in this status.' }) status: MissionStatus | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.missions.listOwn(ctx, user.id, status);
  }

  @FieldResolver(() => [PurchaseType], { description: "The user's purchases, newest first. The user alone." })
  purchases(@Root() user: UserRow, @Ctx() ctx: Context) {
    return ctx.services.catalog.listPurchases(ctx, user.id);
  }

  @FieldResolver(() => [ConversationType], { description: "The user's own conversations with influencer models, latest first." })
  conversations(@Root() user: UserRow, @Ctx() ctx: Context) {
    return ctx.services.conversations.listOwn(ctx, user.id);
  }

  @FieldResolver(() => [Consent], { description: 'Current state for every purpose. The user and staff.' })
  consents(@Root() user: UserRow, @Ctx() ctx: Context) {
    return ctx.services.consents.currentFor(ctx, user);
  }

  @FieldResolver(() => [ConsentEventType], { description: 'Append-only history. The user and PRIVACY_OFFICER.' })
  consentHistory(@Root() user: UserRow, @Ctx() ctx: Context) {
    return ctx.loaders.consentEventsByUserId.load(user.id);
  }
}

import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { AccessLogConnection, AccessLogFilter, AccessLogVerification, PersonalField, RevealedPersonalData } from './privacy.types';

@Resolver()
export class PrivacyResolver {
  @Mutation(() => RevealedPersonalData, { description: "Reveals a user's personal fields unmasked (ADMIN, PRIVACY_OFFICER); the reason is required and logged." })
  revealPersonalData(
    @Arg('userId', () => ID, { description: 'The account\'s id.' }) userId: string,
    @Arg('fields', () => [PersonalField], { description: 'Which fields to reveal unmasked.' }) fields: PersonalField[],
    @Arg('reason', () => String, { description: 'Why they are needed; required, recorded in the access log.' }) reason: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.privacy.reveal(ctx, userId, fields, reason);
  }

  @Query(() => AccessLogConnection, { description: 'The access log, oldest first (PRIVACY_OFFICER).' })
  accessLogs(
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Arg('filter', () => AccessLogFilter, { nullable: true, description: 'Narrows the log.' }) filter: AccessLogFilter | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.privacy.accessLogs(ctx, first ?? 50, after, filter);
  }

  @Query(() => AccessLogVerification, { description: 'Recomputes the hash chain of the access log (PRIVACY_OFFICER).' })
  verifyAccessLog(
    @Arg('fromSequence', () => Int, { nullable: true, description: 'First entry to check (default: the start of the kept log).' }) fromSequence: number | null,
    @Arg('toSequence', () => Int, { nullable: true, description: 'Last entry to check (default: the head).' }) toSequence: number | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.privacy.verifyAccessLog(ctx, fromSequence, toSequence);
  }
}

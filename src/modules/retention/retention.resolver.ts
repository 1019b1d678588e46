import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { LegalHoldType, PurgeRunConnection, PurgeRunType } from './retention.types';

@Resolver()
export class RetentionResolver {
  @Mutation(() => PurgeRunType, { description: 'Runs the retention purge now, or only counts with dryRun (PRIVACY_OFFICER); it also runs daily.' })
  runPurge(@Arg('dryRun', () => Boolean, { nullable: true, defaultValue: false, description: 'Only count.' }) dryRun: boolean | null, @Ctx() ctx: Context) {
    return ctx.services.retention.runPurge(ctx, dryRun ?? false);
  }

  @Query(() => PurgeRunConnection, { description: 'Purge runs, oldest first (ADMIN, PRIVACY_OFFICER).' })
  purgeRuns(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor from the previous page.' }) after: string | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.retention.purgeRuns(ctx, first ?? 20, after);
  }

  @Mutation(() => LegalHoldType, { description: "Holds a subject's data from the purge (PRIVACY_OFFICER)." })
  placeLegalHold(
    @Arg('subjectId', () => ID, { description: 'The account whose data must be kept.' }) subjectId: string,
    @Arg('reason', () => String, { description: 'Why (a lawsuit, an investigation); required, kept with the hold.' }) reason: string,
    @Arg('until', () => Date, { nullable: true, description: 'When the hold ends by itself; none: until it is released.' }) until: Date | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.retention.placeHold(ctx, subjectId, reason, until);
  }

  @Mutation(() => LegalHoldType, { description: 'Releases a legal hold (PRIVACY_OFFICER).' })
  releaseLegalHold(@Arg('id', () => ID, { description: 'The legal hold\'s id.' }) id: string, @Ctx() ctx: Context) {
    return ctx.services.retention.releaseHold(ctx, id);
  }

  @Query(() => [LegalHoldType], { description: 'Legal holds, newest first (PRIVACY_OFFICER).' })
  legalHolds(@Arg('subjectId', () => ID, { nullable: true, description: 'Only the holds on this account.' }) subjectId: string | null, @Ctx() ctx: Context) {
    return ctx.services.retention.holds(ctx, subjectId);
  }
}

import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { UsageStatistics } from './statistics.types';

@Resolver()
export class StatisticsResolver {
  @Query(() => UsageStatistics, { description: 'Aggregate use of the service (ADMIN, PRIVACY_OFFICER); groups under 5 people are suppressed.' })
  usageStatistics(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: Context) {
    return ctx.services.statistics.usage(ctx, from, to);
  }
}

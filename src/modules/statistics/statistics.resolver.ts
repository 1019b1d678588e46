import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { UsageStatistics } from './statistics.types';

@Resolver()
export class StatisticsResolver {
  @Query(() => UsageStatistics, { description: 'Aggregate use of the service (ADMIN, PRIVACY_OFFICER); groups under 5 people are suppressed.' })
  usageStatistics(@Arg('from', () => Date, { description: 'Start of the period (inclusive).' }) from: Date, @Arg('to', () => Date, { description: 'End of the period (exclusive); at most 366 days after from.' }) to: Date, @Ctx() ctx: Context) {
    return ctx.services.statistics.usage(ctx, from, to);
  }
}

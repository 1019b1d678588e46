import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { RecommendationKind } from '../catalog/catalog.entity';
import { RecommendationList } from './recommendation.types';

@Resolver()
export class RecommendationResolver {
  @Query(() => RecommendationList, { description: 'Personalised with PERSONALIZATION consent; otherwise popular items.' })
  recommendations(
    @Arg('kind', () => RecommendationKind, { description: 'What to recommend.' }) kind: RecommendationKind,
    @Arg('limit', () => Int, { nullable: true, defaultValue: 10, description: '1 to 50.' }) limit: number | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.recommendations.recommend(ctx, kind, limit ?? 10);
  }
}

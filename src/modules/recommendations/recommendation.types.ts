import { createUnionType, Field, Float, ObjectType } from 'type-graphql';
import { ContentItem, Product } from '../catalog/catalog.entity';
import { ContentItemType, ProductType } from '../catalog/catalog.types';
import { MissionTemplateType } from '../missions/mission.types';

/** Synchronous, so src/schema.ts can give it to the built union as is (type-graphql wraps it in an async function). */
export const recommendedItemTypeName = (value: unknown): string =>
  (value instanceof Product ? 'Product' : value instanceof ContentItem ? 'ContentItem' : 'MissionTemplate');

export const RecommendedItem = createUnionType({
  name: 'RecommendedItem',
  description: 'A product, a content item or a mission template.',
  types: () => [ProductType, ContentItemType, MissionTemplateType] as const,
  resolveType: recommendedItemTypeName,
});

@ObjectType({ description: 'One recommended item, why, and how strongly.' })
export class Recommendation {
  @Field(() => RecommendedItem, { description: 'The item.' })
  item!: unknown;

  @Field(() => Float, { description: '0 to 1.' })
  score!: number;

  @Field(() => [String], { description: 'Human-readable reasons, e.g. the interests or purchases it matched.' })
  reasons!: string[];
}

@ObjectType({ description: 'Recommendations for the signed-in member.' })
export class RecommendationList {
  @Field({ description: 'False when PERSONALIZATION consent is missing or processing is suspended: then items are popular ones.' })
  personalized!: boolean;

  @Field(() => [Recommendation], { description: 'Best first.' })
  items!: Recommendation[];

  @Field({ description: 'When they were computed.' })
  generatedAt!: Date;
}

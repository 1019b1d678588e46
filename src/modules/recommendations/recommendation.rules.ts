import { carrier } from '../../auth/policy';
import { isUser } from '../../auth/rules';

export const recommendationRules = {
  Query: { recommendations: isUser },
  // The items are products, content and templates: guarded by their own types.
  RecommendationList: carrier,
  Recommendation: carrier,
};

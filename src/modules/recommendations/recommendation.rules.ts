import { allow, isUser } from '../../auth/rules';

export const recommendationRules = {
  Query: { recommendations: isUser },
  RecommendationList: allow,
  Recommendation: allow,
};

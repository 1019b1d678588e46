import { ApiScope } from '../../auth/roles';
import { carrier } from '../../auth/policy';
import { allow, hasScopeOrEnterprise, isUser } from '../../auth/rules';
import { contentItemPolicy, productPolicy, purchasePolicy, reviewPolicy } from './catalog.policy';

const catalogWriters = hasScopeOrEnterprise(ApiScope.CATALOG_WRITE);

export const catalogRules = {
  Query: { products: allow },
  Mutation: {
    createProduct: catalogWriters,
    publishContent: catalogWriters,
    recordPurchase: isUser,
    reviewPurchase: isUser,
    recordRecommendationFeedback: isUser,
  },
  ...productPolicy.rules,
  ...purchasePolicy.rules,
  ...reviewPolicy.rules,
  ...contentItemPolicy.rules,
  ProductConnection: carrier,
  ProductEdge: carrier,
};

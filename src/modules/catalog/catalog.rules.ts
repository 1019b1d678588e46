import { ApiScope } from '../../auth/roles';
import { allow, hasScopeOrEnterprise, isUser } from '../../auth/rules';

// Rows are scoped in CatalogService (own organization; own purchases).
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
  Product: allow,
  ProductConnection: allow,
  ProductEdge: allow,
  Purchase: allow,
  Review: allow,
  ContentItem: allow,
};
